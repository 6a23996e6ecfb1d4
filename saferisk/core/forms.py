"""Forms of the core pages. They clean input; the services decide and change state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core import services
from saferisk.core.choices import Role
from saferisk.core.models import Department, Region


class LoginForm(AuthenticationForm):
    """Django's sign-in form plus the lock-out rule: failures are counted by a service."""

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        if username:
            until = services.user_login_locked_until(username=username)
            if until is not None:
                raise ValidationError(
                    _(
                        "This account is locked after repeated failed sign-ins. Try again after %(time)s or ask an administrator to unlock it."
                    )
                    % {"time": timezone.localtime(until).strftime("%H:%M")},
                    code="locked",
                )
        try:
            return super().clean()
        except ValidationError as exc:
            if username and getattr(exc, "code", None) == "invalid_login":
                locked = services.user_login_failed(username=username)
                if locked is not None:
                    raise ValidationError(
                        _("Too many failed sign-ins: the account is locked until %(time)s.")
                        % {"time": timezone.localtime(locked).strftime("%H:%M")},
                        code="locked",
                    ) from exc
            raise


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords do not match."))
        return data


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in Role if r != Role.ADMIN]
        + [(Role.ADMIN.value, Role.ADMIN.label)],
    )
    region = forms.ModelChoiceField(
        label=_("Jurisdiction region"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("Required for regulators: their jurisdiction."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    enterprise_uscc = forms.CharField(
        label=_("Enterprise USCC"),
        max_length=18,
        required=False,
        help_text=_("Required for enterprise users."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=100, required=False)


class DateInput(forms.DateInput):
    """An HTML date picker (type="date") showing the value as YYYY-MM-DD, which it requires."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")
