"""The demo edition, built through the same services the UI uses."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongyi.auth import service as accounts
from gongyi.auth.models import User
from gongyi.orgs import service as orgs

DEMO_PASSWORD = "gongyi-demo"

ADMIN = ("admin@demo.gongyi.cn", "管理员 王敏")
REVIEWERS = [
    ("reviewer1@demo.gongyi.cn", "评审 李华"),
    ("reviewer2@demo.gongyi.cn", "评审 陈静"),
    ("reviewer3@demo.gongyi.cn", "评审 张伟"),
    ("reviewer4@demo.gongyi.cn", "评审 刘洋"),
    ("reviewer5@demo.gongyi.cn", "评审 黄蕾"),
]
# (member email, member name, organisation name, credit code, type, district)
ORGANISATIONS = [
    ("org1@demo.gongyi.cn", "赵社工", "深圳市福田区阳光社工服务中心", "52440304MJL000019J", "social_service", "440304"),
    ("org2@demo.gongyi.cn", "钱社工", "深圳市南山区长者关爱协会", "51440305MJL000028J", "social_association", "440305"),
    ("org3@demo.gongyi.cn", "孙社工", "深圳市龙岗区益童基金会", "53440307MJL000037J", "foundation", "440307"),
    ("org4@demo.gongyi.cn", "周社工", "宁波市海曙区邻里互助服务中心", "52330203MJL000046J", "social_service", "330203"),
]


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) == 0


def load_demo(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts and organisations; returns (email, password, roles) rows to print."""
    from gongyi.orgs.creditcode import check_character

    admin = accounts.create_user(session, None, email=ADMIN[0], name=ADMIN[1], password=DEMO_PASSWORD, roles=("admin",))
    accounts_out = [(admin.email, DEMO_PASSWORD, "admin")]
    reviewers = []
    for email, name in REVIEWERS:
        reviewers.append(accounts.create_user(session, admin, email=email, name=name, password=DEMO_PASSWORD, roles=("reviewer",)))
        accounts_out.append((email, DEMO_PASSWORD, "reviewer"))
    for email, name, org_name, code, org_type, district in ORGANISATIONS:
        member = accounts.create_user(session, None, email=email, name=name, password=DEMO_PASSWORD, roles=("member",))
        code = code[:17] + check_character(code[:17])
        org = orgs.register_organisation(
            session, member, name=org_name, credit_code=code, org_type=org_type, district_code=district,
            contact_person=name, phone="0755-88880000", address="深圳市" if district.startswith("44") else "宁波市",
        )
        orgs.verify_organisation(session, admin, org)
        accounts_out.append((email, DEMO_PASSWORD, "member"))
    return accounts_out
