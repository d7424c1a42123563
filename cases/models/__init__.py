"""Households, people, consultations (相談受付) and cases (多機関協働のケース).

Search keys (``*_key``) are derived by the services from the visible fields; they are
stored so that searching and duplicate checks are plain indexed lookups.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.japanese import age_on, fiscal_year_prefix, format_wareki


class IssueCategory(models.Model):
    """One editable master list of 相談内容・課題 (issue categories).

    ``report_group`` maps each entry to the fixed list of the national form it is
    counted under, so a municipality may rename or split entries freely.
    """

    class ReportGroup(models.TextChoices):
        ELDERLY = "elderly", "高齢"
        DISABILITY = "disability", "障がい"
        CHILD = "child", "子ども・子育て"
        POVERTY = "poverty", "生活困窮"
        HIKIKOMORI = "hikikomori", "ひきこもり"
        HOUSING = "housing", "住まい"
        ABUSE = "abuse", "虐待・DV"
        ISOLATION = "isolation", "孤立"
        FAMILY = "family", "家族関係"
        HEALTH = "health", "健康・医療"
        OTHER = "other", "その他"

    name = models.CharField("名称", max_length=50, unique=True)
    report_group = models.CharField(
        "国の実績報告の区分", max_length=20, choices=ReportGroup.choices
    )
    sort_order = models.PositiveIntegerField("表示順", default=0)
    is_active = models.BooleanField("有効", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "相談内容の区分"
        verbose_name_plural = "相談内容の区分"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class VersionedModel(models.Model):
    """Optimistic locking: a save must name the version it was edited from."""

    version = models.PositiveIntegerField("版", default=1, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        abstract = True


class Household(VersionedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    phone = models.CharField("電話（自宅）", max_length=30, blank=True)
    notes = models.TextField("世帯の備考", max_length=2000, blank=True)
    # The 五十音 sort key and display name come from the household's first member (本人).
    display_name = models.CharField("世帯名", max_length=100, editable=False)
    kana_key = models.CharField(max_length=200, editable=False, db_index=True)
    address_key = models.CharField(max_length=200, editable=False, db_index=True)
    phone_key = models.CharField(max_length=30, editable=False, db_index=True)
    # 名寄せ after the fact: a record found to be the same household is merged into
    # another and kept (never deleted), pointing at the household that carries on.
    merged_into = models.ForeignKey(
        "self",
        verbose_name="統合先の世帯",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        editable=False,
    )
    merged_at = models.DateTimeField("統合日時", null=True, blank=True, editable=False)
    merge_reason = models.CharField("統合の理由", max_length=200, blank=True, editable=False)
    # A household that members left to form (DV flight, 施設入所, a child leaving home).
    split_from = models.ForeignKey(
        "self",
        verbose_name="分かれる前の世帯",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_records",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "世帯"
        verbose_name_plural = "世帯"
        ordering = ["kana_key"]

    def __str__(self) -> str:
        return self.display_name


class CurrentPersonManager(models.Manager):
    """People as the app sees them: a record merged into another (名寄せ after the fact)
    is kept, but no list, form or household shows it; ``Person.all_objects`` does."""

    def get_queryset(self):
        return super().get_queryset().filter(merged_into__isnull=True)


class Person(VersionedModel):
    class Sex(models.TextChoices):
        MALE = "male", "男性"
        FEMALE = "female", "女性"
        OTHER = "other", "その他"
        UNKNOWN = "unknown", "不明・未回答"

    class Relation(models.TextChoices):
        SELF = "self", "本人"
        SPOUSE = "spouse", "配偶者"
        CHILD = "child", "子"
        PARENT = "parent", "父母"
        SIBLING = "sibling", "兄弟姉妹"
        GRANDCHILD = "grandchild", "孫"
        GRANDPARENT = "grandparent", "祖父母"
        CHILD_IN_LAW = "child_in_law", "子の配偶者"
        OTHER_RELATIVE = "relative", "その他の親族"
        OTHER = "other", "その他（同居人など）"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, verbose_name="世帯", on_delete=models.PROTECT, related_name="members"
    )
    family_name = models.CharField("姓", max_length=50)
    given_name = models.CharField("名", max_length=50, blank=True)
    family_name_kana = models.CharField("せい（ふりがな）", max_length=100)
    given_name_kana = models.CharField("めい（ふりがな）", max_length=100, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(
        "おおよその年齢",
        null=True,
        blank=True,
        validators=[MaxValueValidator(120, "おおよその年齢は120歳までで入力してください。")],
        help_text="生年月日がわからないとき、見た目や話からの年齢（例: 80）。",
    )
    sex = models.CharField("性別", max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    relation = models.CharField("続柄", max_length=20, choices=Relation.choices)
    phone = models.CharField("電話（携帯など）", max_length=30, blank=True)
    email = models.EmailField("メール", max_length=254, blank=True)
    address = models.CharField(
        "住所（世帯と異なる場合）", max_length=200, blank=True, help_text="施設入所中など"
    )
    notes = models.TextField("備考", max_length=2000, blank=True)
    kana_key = models.CharField(max_length=200, editable=False, db_index=True)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    phone_key = models.CharField(max_length=30, editable=False, db_index=True)
    address_key = models.CharField(max_length=200, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="統合先の世帯員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    merged_at = models.DateTimeField("統合日時", null=True, blank=True, editable=False)
    history = HistoricalRecords()

    all_objects = models.Manager()
    objects = CurrentPersonManager()

    class Meta:
        verbose_name = "世帯員"
        # Lists, forms and ``household.members`` leave merged records out; a foreign key
        # to a merged record (its history, an old consent) still reaches it.
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        verbose_name_plural = "世帯員"
        ordering = ["kana_key"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    def age_text(self, on: dt.date) -> str:
        """「82歳」 from the birth date, 「80歳くらい」 from an estimate, else ""."""
        if self.birth_date:
            return f"{age_on(self.birth_date, on)}歳"
        if self.estimated_age is not None:
            return f"{self.estimated_age}歳くらい"
        return ""


class Consultation(VersionedModel):
    """相談受付: one consultation at one window (断らない相談)."""

    class Channel(models.TextChoices):
        VISIT_WINDOW = "window", "来所"
        PHONE = "phone", "電話"
        HOME_VISIT = "visit", "訪問"
        EMAIL = "email", "メール"
        OTHER = "other", "その他"

    class Consulter(models.TextChoices):
        SELF = "self", "本人"
        FAMILY = "family", "家族"
        AGENCY = "agency", "関係機関"
        RESIDENT = "resident", "地域住民"
        OTHER = "other", "その他"

    class ConsentState(models.TextChoices):
        GIVEN = "given", "同意あり"
        REFUSED = "refused", "同意なし"
        UNCONFIRMED = "unconfirmed", "未確認"

    class Outcome(models.TextChoices):
        INFO_ONLY = "info_only", "相談・情報提供のみで終了"
        REFERRED = "referred", "他制度・他機関へのつなぎ"
        REFERRED_WELFARE = "referred_welfare", "他制度・他機関へのつなぎ（生活保護窓口）"
        COLLABORATION = "collaboration", "多機関協働へ（ケースとして支援）"
        CONTINUING = "continuing", "継続相談"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    household = models.ForeignKey(
        Household, verbose_name="世帯", on_delete=models.PROTECT, related_name="consultations"
    )
    person = models.ForeignKey(
        Person,
        verbose_name="相談の対象者（本人）",
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    received_at = models.DateTimeField("受付日時")
    fiscal_year = models.PositiveIntegerField("年度", editable=False, db_index=True)
    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="受付機関（窓口）",
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受付者",
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField("相談経路", max_length=20, choices=Channel.choices)
    consulter = models.CharField("相談者", max_length=20, choices=Consulter.choices)
    consulter_name = models.CharField("相談者の氏名", max_length=100, blank=True)
    consulter_relation = models.CharField("本人との関係", max_length=100, blank=True)
    consulter_phone = models.CharField("相談者の連絡先", max_length=30, blank=True)
    issues = models.ManyToManyField(
        IssueCategory, verbose_name="相談内容", related_name="consultations"
    )
    main_issue = models.ForeignKey(
        IssueCategory,
        verbose_name="主な相談内容",
        on_delete=models.PROTECT,
        related_name="main_in_consultations",
    )
    summary = models.TextField("主訴（相談したいこと）", max_length=4000)
    wishes = models.TextField("支援への希望", max_length=2000, blank=True)
    consent_state = models.CharField(
        "本人同意（関係機関との情報共有）", max_length=20, choices=ConsentState.choices
    )
    consent_explained_on = models.DateField("個人情報の取扱いを説明した日", null=True, blank=True)
    consent_explained_by = models.CharField("説明した職員", max_length=100, blank=True)
    consent_note = models.TextField("同意に関する記録", max_length=1000, blank=True)
    outcome = models.CharField("対応結果", max_length=30, choices=Outcome.choices)
    outcome_note = models.TextField("つなぎ先・対応の記録", max_length=2000, blank=True)
    case = models.ForeignKey(
        "Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    history = HistoricalRecords(m2m_fields=[issues])

    class Meta:
        verbose_name = "相談受付"
        verbose_name_plural = "相談受付"
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["receiving_agency", "-received_at"]),
            # Lists and "recent" walk this index and stop at the page: the visibility
            # filter is checked per row instead of sorting every visible consultation.
            models.Index(fields=["-received_at"], name="consultation_received_desc"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(consent_state="given") | Q(consent_explained_on__isnull=False),
                name="consultation_consent_given_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}（{format_wareki(self.received_at)}）"


class CaseNumberCounter(models.Model):
    """The last case number used in each 年度; locked row-wise while allocating."""

    fiscal_year = models.PositiveIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "ケース番号の採番"

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last_value}"


class Case(VersionedModel):
    """多機関協働のケース: a household supported across agencies."""

    class Status(models.TextChoices):
        INTAKE = "intake", "受付"
        ASSESSMENT = "assessment", "アセスメント"
        PLANNING = "planning", "プラン作成"
        SUPPORT = "support", "支援中"
        MONITORING = "monitoring", "モニタリング"
        SUSPENDED = "suspended", "中断"
        CLOSED = "closed", "終結"

    # Statuses of a case being worked; a plain edit moves between these only.
    ACTIVE_STATUSES = (
        Status.INTAKE,
        Status.ASSESSMENT,
        Status.PLANNING,
        Status.SUPPORT,
        Status.MONITORING,
    )
    # DESIGN.md: "open case" means any case not closed, 中断 included.
    OPEN_STATUSES = (*ACTIVE_STATUSES, Status.SUSPENDED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    fiscal_year = models.PositiveIntegerField("年度", editable=False)
    sequence = models.PositiveIntegerField("年度内番号", editable=False)
    household = models.ForeignKey(
        Household, verbose_name="世帯", on_delete=models.PROTECT, related_name="cases"
    )
    subjects = models.ManyToManyField(Person, verbose_name="対象者", related_name="cases")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.INTAKE)
    lead_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当調整役",
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    main_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="主担当機関",
        on_delete=models.PROTECT,
        related_name="main_cases",
    )
    opened_at = models.DateTimeField("開始日時")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="開始した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[subjects])

    class Meta:
        verbose_name = "ケース"
        verbose_name_plural = "ケース"
        ordering = ["-fiscal_year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "sequence"], name="case_number_unique_per_fiscal_year"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{fiscal_year_prefix(self.fiscal_year)}-{self.sequence:04d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CaseAccess(models.Model):
    """Who may see a case, on which recorded basis (DESIGN.md, gate 3).

    Rows are the truth of case access; they are written only by services.
    """

    class Basis(models.TextChoices):
        RECEIVING_AGENCY = "receiving_agency", "受付機関"
        COLLABORATION = "collaboration", "多機関協働"
        # An agency the coordinators bring into the 多機関協働 of this case.
        COLLABORATION_PARTNER = "partner", "多機関協働（参加機関）"
        CONSENT = "consent", "同意"
        SUPPORT_MEETING = "support_meeting", "支援会議"
        EMERGENCY = "emergency", "法令に基づく／生命・身体の保護"

    class Source(models.TextChoices):
        CONSENT = "consent.consent", "同意"
        PLEDGE = "meetings.confidentialitypledge", "守秘義務の誓約書"
        EMERGENCY = "cases.emergencyaccessrequest", "緊急時の提供"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="accesses")
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name="機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_accesses",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_accesses",
    )
    basis = models.CharField("根拠", max_length=30, choices=Basis.choices)
    reason = models.CharField("付与の理由", max_length=200, blank=True)
    # The record a grant rests on, when it rests on one, by kind and id (the apps that
    # own those records are above cases): revoking that record revokes the grant.
    source_type = models.CharField(
        "根拠となる記録の種類", max_length=50, choices=Source.choices, blank=True
    )
    source_id = models.CharField("根拠となる記録のID", max_length=64, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="付与した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateTimeField("開始")
    valid_until = models.DateTimeField("終了", null=True, blank=True)
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revoke_reason = models.CharField("取消理由", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ケースへのアクセス"
        verbose_name_plural = "ケースへのアクセス"
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(agency__isnull=False) & Q(user__isnull=True))
                | (Q(agency__isnull=True) & Q(user__isnull=False)),
                name="case_access_agency_xor_user",
            )
        ]
        indexes = [models.Index(fields=["source_type", "source_id"], name="case_access_source")]

    def __str__(self) -> str:
        return f"{self.case} / {self.agency or self.user} / {self.get_basis_display()}"


class CaseEvent(models.Model):
    """The case timeline: who did what, when and why. Append-only by convention."""

    class Kind(models.TextChoices):
        OPENED = "opened", "ケースを開始"
        CONSULTATION_LINKED = "consultation_linked", "相談受付をケースに追加"
        STATUS_CHANGED = "status_changed", "状態を変更"
        UPDATED = "updated", "ケース情報を更新"
        ACCESS_GRANTED = "access_granted", "閲覧権限を付与"
        ACCESS_REVOKED = "access_revoked", "閲覧権限を取消"
        MEMBER_ADDED = "member_added", "世帯員を追加"
        MEMBER_UPDATED = "member_updated", "世帯員の情報を更新"
        HANDED_OVER = "handed_over", "担当調整役の引継ぎ"
        CONSENT_RECORDED = "consent_recorded", "同意を記録"
        CONSENT_WITHDRAWN = "consent_withdrawn", "同意の撤回"
        EMERGENCY_REQUESTED = "emergency_requested", "緊急時の提供"
        EMERGENCY_DECIDED = "emergency_decided", "緊急時の提供の承認・打切り"
        DV_MEASURE = "dv_measure", "DV等支援措置"
        MEETING_AGENDA = "meeting_agenda", "会議の議題に追加"
        AGENDA_PROPOSED = "agenda_proposed", "会議への議題の申出"
        RECORD_ADDED = "record_added", "支援経過を記録"
        RECORD_CORRECTED = "record_corrected", "支援経過を修正"
        RECORD_CANCELLED = "record_cancelled", "支援経過を取消"
        SUSPENDED = "suspended", "中断"
        RESUMED = "resumed", "中断からの再開"
        CLOSED = "closed", "終結"
        REOPENED = "reopened", "終結からの再開"
        ASSESSMENT_SAVED = "assessment_saved", "アセスメント"
        PLAN_SAVED = "plan_saved", "支援プランの作成・改訂"
        PLAN_STATUS = "plan_status", "支援プランの協議・承認"
        TASK_REPORTED = "task_reported", "役割分担の報告"
        HOUSEHOLD_MERGED = "household_merged", "世帯の統合"
        HOUSEHOLD_SPLIT = "household_split", "世帯の分離"
        PERSON_MERGED = "person_merged", "世帯員の記録の統合"
        # つなぐシート (written by the referrals app, which sits above cases).
        REFERRAL_SENT = "referral_sent", "つなぐシートを送付"
        REFERRAL_ACCEPTED = "referral_accepted", "つなぐシートを受理"
        REFERRAL_DECLINED = "referral_declined", "つなぐシートを辞退"
        REFERRAL_COMPLETED = "referral_completed", "つなぐシートの対応完了"
        REFERRAL_WITHDRAWN = "referral_withdrawn", "つなぐシートを取下げ"
        # アウトリーチ (before or beside the case).
        OUTREACH_STARTED = "outreach_started", "アウトリーチを開始"
        OUTREACH_CONTACT = "outreach_contact", "アウトリーチの接触を記録"
        OUTREACH_LINKED = "outreach_linked", "アウトリーチが相談受付につながった"
        OUTREACH_ENDED = "outreach_ended", "アウトリーチを終了"
        # 参加支援
        PARTICIPATION_ADDED = "participation_added", "参加支援を登録"
        PARTICIPATION_UPDATED = "participation_updated", "参加支援を更新"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("種類", max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
    message = models.CharField("内容", max_length=300)
    parameters = models.JSONField("詳細", default=dict, blank=True)

    class Meta:
        verbose_name = "ケースの経過（タイムライン）"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"


class EmergencyAccessRequest(models.Model):
    """Break-glass: a provision to an agency without the person's consent, under
    個人情報保護法 (69条 for a municipal department, 27条1項 for a private agency), on a
    case or on a household that is not a case yet. It takes effect at once for at most
    72 hours and lapses unless a second coordinator (of any hub) confirms it; confirmed,
    it lasts at most 14 days from the request. Read-only, like every provision."""

    class LegalBasis(models.TextChoices):
        # 個人情報保護法69条: a 行政機関等 (the municipality) providing to a department.
        ART69_1 = "69_1", "69条1項（法令に基づく場合）"
        ART69_2_2 = "69_2_2", "69条2項2号（所掌事務の遂行に必要な内部利用で相当の理由がある）"
        ART69_2_3 = "69_2_3", "69条2項3号（他の行政機関等の事務に必要で相当の理由がある）"
        ART69_2_4 = "69_2_4", "69条2項4号（明らかに本人の利益になる等、特別の理由がある）"
        # 個人情報保護法27条1項: provision to a private agency.
        ART27_1_1 = "27_1_1", "27条1項1号（法令に基づく場合）"
        ART27_1_2 = "27_1_2", "27条1項2号（生命・身体・財産の保護に必要で、同意を得ることが困難）"
        ART27_1_3 = "27_1_3", "27条1項3号（公衆衛生・児童の健全育成に特に必要で、同意が困難）"
        ART27_1_4 = "27_1_4", "27条1項4号（国・地方公共団体の事務への協力が必要）"

    PUBLIC_BASES = frozenset({"69_1", "69_2_2", "69_2_3", "69_2_4"})
    MAX_DAYS = 14
    UNCONFIRMED_HOURS = 72

    case = models.ForeignKey(
        Case,
        verbose_name="ケース",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emergency_requests",
    )
    household = models.ForeignKey(
        Household,
        verbose_name="世帯",
        on_delete=models.PROTECT,
        related_name="emergency_requests",
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name="提供先の機関", on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.CharField(
        "根拠（個人情報保護法）", max_length=10, choices=LegalBasis.choices
    )
    reason = models.TextField("理由（具体的に）", max_length=1000)
    consent_obstacle = models.TextField("本人の同意を得られない理由", max_length=500, blank=True)
    days = models.PositiveSmallIntegerField("期間（日数）", default=7)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申請した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField("申請日時")
    valid_until = models.DateTimeField("提供の終了日時", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    ended_at = models.DateTimeField("打切り日時", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="打ち切った職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField("打切りの理由", max_length=200, blank=True)
    access = models.OneToOneField(
        CaseAccess,
        verbose_name="付与した閲覧権限",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emergency_request",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "緊急時の提供"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=14), name="emergency_access_max_14_days"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("requested_by")),
                name="emergency_access_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}への緊急時の提供（{self.get_legal_basis_display()}）"

    @property
    def is_pending(self) -> bool:
        """In effect, but not yet confirmed by a second coordinator."""
        return self.approved_at is None and self.ended_at is None

    def is_active_at(self, at) -> bool:
        return (
            self.ended_at is None
            and self.requested_at <= at
            and self.valid_until is not None
            and at < self.valid_until
        )


class DvSupportMeasure(models.Model):
    """DV等支援措置: while it is in effect, the person's address and contacts — and the
    household's address, 〒 and phones — are shown only to the managing coordinators,
    and never printed (cases.masking decides, for every page and later output)."""

    person = models.ForeignKey(
        Person, verbose_name="対象者", on_delete=models.PROTECT, related_name="dv_measures"
    )
    valid_from = models.DateField("開始日")
    valid_until = models.DateField("終了日（この日まで）", null=True, blank=True)
    note = models.CharField("備考（措置の根拠など）", max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="記録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField("記録日時")
    ended_at = models.DateTimeField("解除日時", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解除した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.CharField("解除の理由", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "DV等支援措置"
        verbose_name_plural = "DV等支援措置"
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="dv_measure_until_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"DV等支援措置（{format_wareki(self.valid_from)}〜）"


from .outreach import OutreachContact, OutreachEngagement  # noqa: E402
from .participation import ParticipationSupport  # noqa: E402
from .plans import (  # noqa: E402
    NATIONAL_REPORT_FIELDS,
    Assessment,
    AssessmentMember,
    PlanStakeholder,
    PlanTask,
    SupportPlan,
)
from .support import CaseClosure, CaseSuspension, SupportRecord  # noqa: E402

__all__ = [
    "NATIONAL_REPORT_FIELDS",
    "Assessment",
    "AssessmentMember",
    "Case",
    "CaseAccess",
    "CaseClosure",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseSuspension",
    "Consultation",
    "DvSupportMeasure",
    "EmergencyAccessRequest",
    "Household",
    "IssueCategory",
    "OutreachContact",
    "OutreachEngagement",
    "ParticipationSupport",
    "Person",
    "PlanStakeholder",
    "PlanTask",
    "SupportPlan",
    "SupportRecord",
    "VersionedModel",
]
