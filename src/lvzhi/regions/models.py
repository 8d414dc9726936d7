"""Regions: GB/T 2260 administrative divisions plus non-standard units (开发区/管理区) under a parent."""

from __future__ import annotations

from django.db import models


class Level(models.TextChoices):
    # The country (全国): the national office's region, which evaluates the provinces. It is the root of every
    # path ("/"), so its subtree is every region, without re-pathing the provinces under it.
    NATION = "国", "国家级"
    PROVINCE = "省", "省级"
    CITY = "市", "市级"
    COUNTY = "县", "县级"


# Levels without a parent region: the country and the provinces.
TOP_LEVELS = (Level.NATION, Level.PROVINCE)


class Kind(models.TextChoices):
    STANDARD = "行政区", "行政区划"
    DEV_ZONE = "开发区", "开发区"
    MGMT_ZONE = "管理区", "管理区"


class Region(models.Model):
    """One region; `path` (codes from the root, slash-separated) makes subtree queries a prefix match."""

    code = models.CharField(max_length=20, unique=True, verbose_name="区划代码")
    name = models.CharField(max_length=100, verbose_name="名称")
    level = models.CharField(max_length=2, choices=Level.choices, verbose_name="层级")
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.STANDARD, verbose_name="类型")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    active = models.BooleanField(default=True, verbose_name="有效")

    class Meta:
        ordering = ("code",)
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Form-level checks (Django admin): code format by kind, a parent for everything below a province."""
        import re

        from django.core.exceptions import ValidationError

        pattern = r"^\d{6}$" if self.kind == Kind.STANDARD else r"^\d{6}[A-Z][0-9A-Z]{1,8}$"
        if not re.match(pattern, self.code or ""):
            hint = "6位数字" if self.kind == Kind.STANDARD else "上级6位代码加字母开头的后缀，如 500113K01"
            raise ValidationError({"code": f"区划代码格式错误：应为{hint}"})
        if self.level not in TOP_LEVELS and not self.parent_id:
            raise ValidationError({"parent": "市级/县级区划必须有上级"})
        if self.level in TOP_LEVELS and self.parent_id:
            raise ValidationError({"parent": "全国和省级区划不应有上级"})
        if (
            self.parent_id
            and self.parent
            and self.parent.path
            and self.pk
            and self.parent.path.startswith(self.path or "\0")
        ):
            raise ValidationError({"parent": "不能把区划移到它自己的下级之下"})

    @property
    def full_name(self) -> str:
        """The name with its ancestors' names, e.g. 示范省甲市一县."""
        codes = [c for c in self.path.strip("/").split("/") if c]
        if not codes:  # the country, the root of every path
            return self.name
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        return "".join(names.get(c, "") for c in codes)

    def is_within(self, other: Region) -> bool:
        """True when this region is `other` or lies in its subtree."""
        return self.path.startswith(other.path)


class RegionChange(models.Model):
    """A code that left the registry (撤县设区, merger, renumbering) and the region that carries it on.

    The old region stays (inactive) with its history; its successor's evaluations link back to the old
    one's, so last year's values and open rectification follow the region into its new code.
    """

    old = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="successions", verbose_name="原区划"
    )
    new = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="predecessions", verbose_name="现区划"
    )
    note = models.CharField(max_length=200, blank=True, verbose_name="说明")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = "区划变更"
        verbose_name_plural = "区划变更"
        constraints = (models.UniqueConstraint(fields=["old", "new"], name="uniq_region_change"),)
