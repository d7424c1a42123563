"""The five roles of DESIGN.md, each a Group created by a data migration."""

from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"
    AGENCY_STAFF = "agency_staff"
    SECRETARIAT = "secretariat"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


def roles_text(names) -> str:
    """Group names as the users read them: 「多機関協働の調整役、会議の事務局」."""
    return "、".join(ROLE_LABELS.get(name, name) for name in names)


ROLE_LABELS = {
    Role.COORDINATOR: "多機関協働の調整役",
    Role.AGENCY_STAFF: "支援関係機関の職員",
    Role.SECRETARIAT: "会議の事務局",
    Role.MANAGER: "管理職・評価担当",
    Role.ADMIN: "システム管理者",
}

# Roles whose members work with personal case content at all.
CASE_ROLES = frozenset({Role.COORDINATOR, Role.AGENCY_STAFF})
