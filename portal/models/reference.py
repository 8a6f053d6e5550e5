"""Reference data HFS keeps: the MCOs (with tracking-number formats) and complaint types."""

from django.core.exceptions import ValidationError
from django.db import models

from portal import tracking_formats


def validate_regex(value):
    """R-FILE-4: a pattern HFS saves can be used; the message says why not, in words."""
    try:
        tracking_formats.compile_pattern(value)
    except tracking_formats.FormatError as exc:
        raise ValidationError(str(exc), code="invalid_pattern") from exc


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
            "The whole tracking number must match it. Leave it blank when the MCO's format "
            "is not known: then any number that is not blank is accepted."
        ),
    )
    tracking_example = models.CharField(
        "tracking-number example",
        max_length=60,
        blank=True,
        help_text="Shown to providers before they type the number, and again when their "
        "number does not fit.",
    )
    tracking_format = models.CharField(
        "tracking-number format in words",
        max_length=200,
        blank=True,
        help_text="For providers, e.g. “PDXGR, then 7 digits”. Left blank, the portal "
        "words a simple pattern itself.",
    )
    is_active = models.BooleanField("accepting tickets", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "MCO"
        verbose_name_plural = "MCOs"

    def __str__(self):
        return self.name

    def clean(self):
        if not self.tracking_pattern:
            return
        try:
            tracking_formats.compile_pattern(self.tracking_pattern)
        except tracking_formats.FormatError:
            return  # the pattern's own validator names the problem
        if not self.tracking_example:
            raise ValidationError({"tracking_example": (
                "Enter an example that fits the pattern: providers see it before they type "
                "their number.")})
        if not self.tracking_number_is_valid(self.tracking_example):
            raise ValidationError({"tracking_example": (
                f"The example {self.tracking_example} does not match the pattern; fix either, "
                "or let the portal propose the pattern from examples.")})

    def tracking_number_is_valid(self, number):
        """R-FILE-4: the number matches the MCO's pattern; with no pattern, any non-blank."""
        return tracking_formats.matches(self.tracking_pattern, number)

    @property
    def has_tracking_format(self):
        return bool(self.tracking_pattern)

    @property
    def tracking_format_words(self):
        """The format as providers read it: HFS's words, or the pattern worded."""
        return self.tracking_format or tracking_formats.describe(self.tracking_pattern)

    def tracking_hint(self):
        """What a provider reads under the tracking-number field, before typing (R-FILE-4)."""
        name = self.short_name
        if not self.tracking_pattern:
            return (f"{name} has no set format on record: copy the number exactly as it is on "
                    f"{name}'s acknowledgement of your dispute.")
        words = self.tracking_format_words
        example = f"for example {self.tracking_example}" if self.tracking_example else ""
        if words and example:
            return f"{name} tracking numbers: {words}; {example}."
        return f"{name} tracking numbers: {words or example}."


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
