"""The log-in page with a limit on failed attempts, and the profile page with the user's API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import login_throttle
from accounts.forms import TokenForm
from accounts.models import ApiToken
from accounts.tokens import TokenError, token_create, token_revoke


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in view, refusing a username and address pair after too many failures."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        address = login_throttle.client_address(request)
        if login_throttle.is_blocked(username, address):
            # An unbound form: a bound one would check the password, which is what the lock prevents.
            form = self.get_form_class()(request, initial={"username": username})
            form.cleaned_data = {}
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW // 60)
            form.add_error(
                None,
                _("Too many failed log-in attempts. Please wait %(minutes)d minutes and try again.")
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_throttle.record_failure(
            self.request.POST.get("username", ""), login_throttle.client_address(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        login_throttle.clear(self.request.POST.get("username", ""), login_throttle.client_address(self.request))
        return super().form_valid(form)


def _profile(request, *, form=None, new_token=None, status=200):
    tokens = ApiToken.objects.filter(user=request.user)
    now = timezone.now()
    rows = [{"token": t, "status": t.status(now), "status_display": t.get_status_display(now)} for t in tokens]
    response = render(
        request,
        "accounts/profile.html",
        {"form": form or TokenForm(), "tokens": rows, "new_token": new_token, "counties": request.user.counties.all()},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@never_cache
def profile(request):
    return _profile(request)


@login_required
@require_POST
@never_cache
def token_new(request):
    """Create a token and show it once: the page is rendered, not redirected, and never cached."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, form=form, status=400)
    try:
        token, raw = token_create(
            user=request.user, name=form.cleaned_data["name"], expires_at=timezone.now() + form.lifetime()
        )
    except TokenError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return _profile(request, form=form, status=400)
    return _profile(request, new_token={"token": token, "raw": raw})


@login_required
@require_POST
def token_revoke_view(request, pk):
    try:
        token = token_revoke(user=request.user, token_id=pk)
    except TokenError:
        raise Http404 from None  # not yours, or no such token: the same answer
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("profile")
