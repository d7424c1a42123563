from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.japanese import fiscal_year_label

from .roles import Role


class Area(models.Model):
    """圏域 or 小学校区: the unit municipalities plan and count by."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "圏域"
        SCHOOL = "school", "小学校区"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    sort_order = models.PositiveIntegerField("表示順", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "圏域・小学校区"
        verbose_name_plural = "圏域・小学校区"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """A support organisation; a municipal department counts as one."""

    class Kind(models.TextChoices):
        COMPREHENSIVE_WINDOW = "window", "包括的相談支援事業の窓口"
        MUNICIPAL_DEPARTMENT = "department", "庁内各課"
        COUNCIL_OF_SOCIAL_WELFARE = "shakyo", "社会福祉協議会"
        PRIVATE = "private", "民間事業者"
        MEDICAL = "medical", "医療機関"
        SCHOOL = "school", "学校・教育機関"
        OTHER = "other", "その他"

    name = models.CharField("機関名", max_length=100, unique=True)
    name_kana = models.CharField("機関名ふりがな", max_length=200, blank=True)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        Area,
        verbose_name="圏域",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    is_collaboration_hub = models.BooleanField(
        "多機関協働事業の実施機関",
        default=False,
        help_text="多機関協働事業（調整役の所属）を担う機関です。",
    )
    is_active = models.BooleanField("有効", default=True)
    # 連携担当者: who receives つなぐシート for the agency (users of this agency only;
    # the admin form offers no one else).
    liaisons = models.ManyToManyField(
        "User",
        verbose_name="連携担当者",
        blank=True,
        related_name="liaison_for",
        help_text="つなぐシートの受け手となる職員です（この機関の職員から選びます）。",
    )
    history = HistoricalRecords(m2m_fields=[liaisons])

    class Meta:
        verbose_name = "機関"
        verbose_name_plural = "機関"
        ordering = ["name_kana", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Every user belongs to exactly one agency."""

    agency = models.ForeignKey(
        Agency,
        verbose_name="所属機関",
        on_delete=models.PROTECT,
        related_name="users",
    )
    name_kana = models.CharField("氏名ふりがな", max_length=100, blank=True)
    title = models.CharField("職名", max_length=100, blank=True)
    # In history (password and group membership are not model fields simple-history
    # keeps): the roles as a sorted list, and when an administrator last reset the
    # user's credentials (password and second factor).
    roles_label = models.CharField("役割", max_length=200, blank=True, editable=False)
    credentials_reset_at = models.DateTimeField(
        "パスワード・二要素認証を再設定した日時", null=True, blank=True, editable=False
    )

    REQUIRED_FIELDS = ["email", "agency"]
    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"
        ordering = ["name_kana", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.last_name} {self.first_name}".strip()
        return full or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_names.intersection(roles))


class AccessEvent(models.Model):
    """The access log: reads, exports, prints, downloads of personal data, denied
    attempts and authentication events.

    Append-only: on PostgreSQL, triggers refuse UPDATE, DELETE and TRUNCATE except
    inside the retention purge. No simple-history: the log is its own history.
    """

    class Action(models.TextChoices):
        VIEW = "view", "閲覧"
        EXPORT = "export", "出力"
        PRINT = "print", "印刷"
        DOWNLOAD = "download", "ダウンロード"
        DENIED = "denied", "拒否"
        LOGIN = "login", "ログイン"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        LOGOUT = "logout", "ログアウト"
        LOCKED_OUT = "locked_out", "アカウントロック"
        ACCOUNT_UNLOCKED = "unlocked", "ロック解除"
        MFA_RESET = "mfa_reset", "二要素認証のリセット"
        CREDENTIALS_RESET = "credentials_reset", "パスワード設定リンクの発行"
        PASSWORD_SET = "password_set", "本人によるパスワード設定"
        ACCOUNT_CHANGED = "account_changed", "役割・所属・有効状態の変更"
        MFA_REENROLLED = "mfa_reenrolled", "本人による二要素認証の再設定"
        EMERGENCY = "emergency", "緊急時の提供"
        PURGE = "purge", "保存期間経過分の削除"
        EXISTENCE_NOTICE = "existence", "名寄せで記録の存在を通知"
        DISCLOSURE_DECISION = "disclosure", "開示決定の記録"

    at = models.DateTimeField("日時", db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name="職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_events",
    )
    username = models.CharField("ユーザー名", max_length=150, blank=True, db_index=True)
    agency_name = models.CharField("所属機関（当時）", max_length=100, blank=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField("対象の種類", max_length=50, blank=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True, db_index=True)
    object_label = models.CharField("対象", max_length=200, blank=True)
    path = models.CharField("URL", max_length=500, blank=True)
    method = models.CharField("メソッド", max_length=10, blank=True)
    status_code = models.PositiveSmallIntegerField("応答", null=True, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    detail = models.JSONField("詳細", default=dict, blank=True)

    class Meta:
        verbose_name = "アクセスログ"
        verbose_name_plural = "アクセスログ"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


class FormSubmission(models.Model):
    """One use of a create form's one-time token. A second submit of the same form
    (a double click, a reload after the POST) finds this row and creates nothing."""

    token = models.UUIDField("フォームの識別子", primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("送信日時", auto_now_add=True)
    result_url = models.CharField("登録した内容の画面", max_length=300, blank=True)

    class Meta:
        verbose_name = "フォームの送信"
        verbose_name_plural = "フォームの送信"

    def __str__(self) -> str:
        return str(self.token)


# ---------------------------------------------------------------------------
# 社会資源: the places, groups and businesses a person can be matched to (参加支援)
# and the 地域づくり figures of each. Master data: no personal data of the people
# supported is ever kept here.

FISCAL_YEAR_MIN = 2000
FISCAL_YEAR_MAX = 2100


class CommunityResource(models.Model):
    """A 社会資源 of the municipality: a 居場所, a サロン, a 協力事業者 that takes people
    for 就労体験 … Written only by ``agencies.services.resource_save``."""

    class Kind(models.TextChoices):
        IBASHO = "ibasho", "居場所"
        COOPERATING_BUSINESS = "business", "協力事業者"
        SALON = "salon", "サロン"
        KODOMO_SHOKUDO = "kodomo_shokudo", "子ども食堂"
        WORK_EXPERIENCE = "work_experience", "就労体験先"
        VOLUNTEER = "volunteer", "ボランティア活動"
        OTHER = "other", "その他"

    name = models.CharField("名称", max_length=100)
    name_kana = models.CharField("名称ふりがな", max_length=200, blank=True)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        Area,
        verbose_name="圏域・小学校区",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    contact_person = models.CharField("連絡先の担当者", max_length=100, blank=True)
    phone = models.CharField("電話", max_length=30, blank=True)
    address = models.CharField("所在地", max_length=200, blank=True)
    offers = models.TextField(
        "提供していること",
        max_length=1000,
        blank=True,
        help_text="活動の内容、受け入れられる人、曜日や時間など。",
    )
    is_active = models.BooleanField("有効", default=True)
    # Name and ふりがな, width / kana / spaces folded (core.japanese.normalize_text).
    search_key = models.CharField(max_length=400, editable=False, db_index=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "社会資源"
        verbose_name_plural = "社会資源"
        ordering = ["name_kana", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "kind"],
                name="resource_name_kind_unique",
                violation_error_message="同じ名称・種別の社会資源がすでに登録されています。",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ResourceYearFigures(models.Model):
    """A resource's 地域づくり figures for one 年度 (April–March): the evaluation
    indicators 拠点数・参加者数・参加機関数 and 居場所等の運営に携わる市民数."""

    resource = models.ForeignKey(
        CommunityResource,
        verbose_name="社会資源",
        on_delete=models.PROTECT,
        related_name="year_figures",
    )
    fiscal_year = models.PositiveSmallIntegerField(
        "年度",
        validators=[
            MinValueValidator(FISCAL_YEAR_MIN, "年度は2000年度以降にしてください。"),
            MaxValueValidator(FISCAL_YEAR_MAX, "年度は2100年度以前にしてください。"),
        ],
    )
    is_hub = models.BooleanField("地域づくりの拠点", default=False)
    participants = models.PositiveIntegerField(
        "参加者数（延べ）",
        default=0,
        validators=[MaxValueValidator(1_000_000, "参加者数（延べ）は100万人以下にしてください。")],
    )
    citizens_running = models.PositiveIntegerField(
        "運営に携わる市民数",
        default=0,
        validators=[MaxValueValidator(100_000, "運営に携わる市民数は10万人以下にしてください。")],
    )
    agencies_count = models.PositiveIntegerField(
        "参加機関数",
        default=0,
        validators=[MaxValueValidator(10_000, "参加機関数は1万以下にしてください。")],
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "社会資源の年度実績"
        verbose_name_plural = "社会資源の年度実績"
        ordering = ["-fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "fiscal_year"],
                name="resource_one_figures_per_year",
                violation_error_message="この年度の実績はすでに登録されています。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.year_label}"

    @property
    def year_label(self) -> str:
        """令和7年度."""
        return fiscal_year_label(self.fiscal_year)
