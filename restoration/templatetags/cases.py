from django import template

from restoration.choices import Action, ReviewStatus

register = template.Library()


@register.filter
def action_label(code):
    return Action(code).label if code in Action.values else code


@register.filter
def review_label(code):
    return ReviewStatus(code).label if code in ReviewStatus.values else code
