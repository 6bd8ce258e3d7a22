from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.models import Notice


@login_required
def inbox(request):
    notices = Notice.objects.for_user(request.user).select_related("case")
    if request.GET.get("unread") == "1":
        notices = notices.unread()
    page = Paginator(notices, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page_obj": page, "paginator": page.paginator})


@login_required
@require_POST
def notice_open(request, pk):
    """Mark a notice read and go to its case."""
    notice = Notice.objects.for_user(request.user).filter(pk=pk).select_related("case").first()
    if notice is None:
        raise Http404
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    if notice.case_id:
        return redirect(notice.case)
    return redirect("inbox")


@login_required
@require_POST
def notices_read_all(request):
    count = Notice.objects.for_user(request.user).unread().update(read_at=timezone.now())
    messages.success(request, _("%(count)d notice(s) marked read.") % {"count": count})
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("inbox")
