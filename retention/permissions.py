"""Who may list, approve, execute and cancel a disposal (廃棄).

The managers (管理職): disposing of records is a 文書管理 decision of the 課長級, the
role DESIGN.md gives the aggregate view without personal case content — and a 廃棄記録
holds none (numbers, dates and counts only). Coordinators hold the case content and
are the ones whose records go; administrators run the server but decide nothing about
case content. The second person is another manager: whoever listed may not approve.
"""

from __future__ import annotations

from agencies.models import User
from agencies.roles import Role

from .models import DisposalPlan


def may_manage_disposal(*, user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_role(Role.MANAGER)


def may_approve_disposal(*, user: User, plan: DisposalPlan) -> bool:
    return may_manage_disposal(user=user) and user.pk != plan.listed_by_id
