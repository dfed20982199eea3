"""People and teams: who works here, in which team, under whom, in which role."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    HR = "hr", _("HR")


class EmploymentType(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    AGENCY = "agency", _("Agency (temporary)")


class Language(models.TextChoices):
    FI = "fi", "suomi"
    EN = "en", "English"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    leaders = models.ManyToManyField(
        "people.User",
        related_name="led_teams",
        blank=True,
        verbose_name=_("supervisors"),
        help_text=_("Supervisors who lead this team and may award points to its members."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An employee. Agency staff have exactly the same rights as permanent staff."""

    display_name = models.CharField(_("display name"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    employment_type = models.CharField(
        _("employment type"),
        max_length=20,
        choices=EmploymentType.choices,
        default=EmploymentType.PERMANENT,
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.FI
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
    )
    employee_id = models.CharField(
        _("employee id"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The id the HR system knows this person by; the roster matches on it."),
    )
    sso_subject = models.CharField(
        _("single sign-on subject"),
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The identity provider's stable id for this person (OpenID Connect `sub`)."),
    )
    employment_start = models.DateField(_("first working day"), null=True, blank=True)
    employment_end = models.DateField(
        _("last working day"),
        null=True,
        blank=True,
        help_text=_("After this day the account is closed by the daily job; the ledger stays."),
    )

    class Meta:
        ordering = ["display_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        # Sign-in by password is switched off: the next save ends the API tokens too
        # (people.receivers), as a new password does.
        self._password_unset = True

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_hr(self) -> bool:
        """HR and Django superusers run the market."""
        return self.is_active and (self.role == Role.HR or self.is_superuser)

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        # HR runs the market: in the admin they may do whatever the admin allows anyone.
        if self.is_active and self.role == Role.HR:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.HR:
            return True
        return super().has_module_perms(app_label)

    @property
    def is_supervisor(self) -> bool:
        return self.is_active and self.role == Role.SUPERVISOR


class RosterImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    APPLIED = "applied", _("Applied")


class RosterImportMode(models.TextChoices):
    PARTIAL = "partial", _("Partial: only the people in the file")
    FULL = "full", _("Full: everyone not in the file is leaving")


class RosterImport(models.Model):
    """A roster file from the HR system, checked and planned (the preview); applied at most once.

    The file itself is kept so that the apply can plan again against the database as it is then
    and refuse if the plan is not the one HR saw."""

    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    data = models.BinaryField(_("file"))
    mode = models.CharField(
        _("mode"), max_length=10, choices=RosterImportMode.choices, default=RosterImportMode.PARTIAL
    )
    plan = models.JSONField(_("plan"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RosterImportStatus.choices,
        default=RosterImportStatus.PREVIEWED,
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"
