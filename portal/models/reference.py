"""Reference data HFS keeps: the MCOs (with tracking-number formats) and complaint types."""

import re

from django.core.exceptions import ValidationError
from django.db import models


def validate_regex(value):
    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(
            "This is not a valid regular expression (%(error)s). Fix the pattern or leave it "
            "blank to accept any tracking number.",
            params={"error": exc},
        ) from exc


class MCO(models.Model):
    """A HealthChoice Illinois managed-care organization."""

    slug = models.SlugField(unique=True)
    name = models.CharField("name", max_length=200, unique=True)
    short_name = models.CharField("short name", max_length=60)
    tracking_pattern = models.CharField(
        "tracking-number pattern",
        max_length=200,
        blank=True,
        validators=[validate_regex],
        help_text=(
            "A regular expression the whole tracking number must match (R-FILE-4). "
            "Leave blank when the MCO's format is unknown: any non-blank number is accepted."
        ),
    )
    tracking_example = models.CharField(
        "tracking-number example",
        max_length=60,
        blank=True,
        help_text="Shown to providers when their number does not match the pattern.",
    )
    is_active = models.BooleanField("accepting tickets", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "MCO"
        verbose_name_plural = "MCOs"

    def __str__(self):
        return self.name

    def clean(self):
        if (
            self.tracking_pattern
            and self.tracking_example
            and not self.tracking_number_is_valid(self.tracking_example)
        ):
            raise ValidationError(
                    {"tracking_example": "The example does not match the pattern; fix either."}
                )

    def tracking_number_is_valid(self, number):
        """R-FILE-4: the number matches the MCO's pattern; with no pattern, any non-blank."""
        number = (number or "").strip()
        if not number:
            return False
        if not self.tracking_pattern:
            return True
        return re.fullmatch(self.tracking_pattern, number) is not None


class ComplaintType(models.Model):
    """A complaint type of R-FILE-5."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    is_about_claims = models.BooleanField(
        default=False, help_text="Tickets of this type carry claim details."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name
