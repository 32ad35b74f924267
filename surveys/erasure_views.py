"""The resident's erasure pages: enter the code, confirm, done. Rules are in surveys.erasure.

Rejected codes answer 400, which collab.ratelimit counts against the address and the code,
the same as on the code entry page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from surveys.erasure import erasure_preview, response_erase
from surveys.errors import CodeRejected
from surveys.forms import CodeForm
from surveys.tenancy import resident_code_scope


class EraseCodeForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Enter the code for the answers you want erased"
        self.fields["code"].help_text = (
            "The code from your letter or e-mail, or the code you were given to continue "
            "later. For example, ABCD-EFGH-JKMN."
        )


@require_http_methods(["GET", "POST"])
@resident_code_scope
def erase(request: HttpRequest) -> HttpResponse:
    form = EraseCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if request.POST.get("confirm") == "yes":
                target = response_erase(code=code)
                return render(request, "surveys/erase_done.html", {"target": target})
            target = erasure_preview(code=code)
        except CodeRejected as e:
            form.add_error("code", str(e))
        else:
            return render(request, "surveys/erase_confirm.html", {"target": target, "code": code})
    return render(request, "surveys/erase.html", {"form": form}, status=400 if form.errors else 200)
