"""The policy's public page (/policies/<id>/) and its list of differences as files (issue 15).

Only policies with a published version have a page; everything shown comes from
``feedback.policy_links`` (published versions, published remarks, published links). The page
lives in feedback because it names the remarks behind each change, and policy does not know
remarks. Wrapped in ``publication.cache.public_page`` in ``feedback/policy_urls.py``.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import DetailView

from feedback import policy_links
from policy import selectors as policy_selectors
from policy.models import Policy

# The types of feedback.views' downloads; here so that this page does not follow that module.
DOWNLOAD_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def _public_policy(pk):
    policy = get_object_or_404(Policy, pk=pk)
    first, latest, rows = policy_links.policy_page(policy)
    if latest is None:
        raise Http404("no published version")
    return policy, first, latest, rows


class PolicyDetailView(DetailView):
    template_name = "feedback/policy_detail.html"
    context_object_name = "policy"

    def get_object(self, queryset=None):
        policy, self.first, self.latest, self.rows = _public_policy(self.kwargs["pk"])
        return policy

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            first=self.first,
            latest=self.latest,
            rows=self.rows,
            differences=policy_links.differences(self.rows),
            compared=self.first.pk != self.latest.pk,
            versions=list(policy_selectors.public_policy_versions(self.object)),
        )
        return context


class PolicyDifferencesDownloadView(View):
    """「素案との差異」 as Excel, CSV (UTF-8 with BOM) or JSON."""

    def get(self, request, pk, fmt):
        if fmt not in DOWNLOAD_TYPES:
            raise Http404
        policy, first, latest, rows = _public_policy(pk)
        if fmt == "xlsx":
            content = policy_links.workbook_bytes(policy, first, latest, rows)
        elif fmt == "csv":
            content = policy_links.write_csv(policy, first, latest, rows)
        else:
            base_url = request.build_absolute_uri("/").rstrip("/")
            content = policy_links.write_json(policy, first, latest, rows, base_url=base_url)
        response = HttpResponse(content, content_type=DOWNLOAD_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{policy.title}_素案との差異.{fmt}"
        )
        return response
