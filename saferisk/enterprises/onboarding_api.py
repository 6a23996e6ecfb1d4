"""API operations of enterprise account onboarding and enterprise password resets."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import BaseModel, ConfigDict

from saferisk.core.models import User
from saferisk.core.routes import list_route, object_route
from saferisk.core.schemas import ErrorOut, responses
from saferisk.core.scoping import scoped_get
from saferisk.enterprises import onboarding
from saferisk.enterprises.models import Enterprise, ImportJob

router = Router(tags=["企业账号"])


def _documented(out: Any) -> dict[int, Any]:
    return {**responses(out, not_found=True), 400: ErrorOut, 403: ErrorOut}


class OnboardIn(BaseModel):
    # A plain, strict pydantic model: a body that is not an object, or "true" for a boolean, is rejected.
    model_config = ConfigDict(strict=True)

    region_code: str | None = Field(
        None, description="地区代码（县或乡镇），须在本人管辖范围内；空为整个管辖范围"
    )
    import_job_id: int | None = Field(None, description="导入批次编号：只开通该批次新建的企业")
    role: Literal["enterprise_principal", "enterprise_filler"] = Field(
        "enterprise_principal", description="账号角色"
    )
    notify: bool = Field(True, description="是否向企业负责人手机发送登录通知")


class OnboardItemOut(Schema):
    id: int = Field(description="企业编号")
    uscc: str
    name: str
    status: Literal["created", "has_account", "username_taken"]
    user_id: int | None = None
    username: str | None = None
    password: str | None = Field(None, description="初始密码（仅此一次返回）")
    town_code: str | None = None
    town_name: str | None = None
    contact: str | None = None


class OnboardOut(Schema):
    created: int
    skipped_existing: int
    skipped_conflicts: int
    notices: int
    items: list[OnboardItemOut]


class ResetPasswordIn(BaseModel):
    model_config = ConfigDict(strict=True)

    notify: bool = Field(False, description="是否把新密码以短信发送到该账号的手机")


class ResetPasswordOut(Schema):
    user_id: int
    username: str
    password: str = Field(description="新密码（仅此一次返回，下次登录须修改）")
    notified: bool


@router.post(
    "/accounts",
    response=_documented(OnboardOut),
    operation_id="enterprise_accounts_onboard",
    summary="批量开通企业账号",
)
@list_route(Enterprise)
def enterprise_accounts_onboard(request: HttpRequest, payload: OnboardIn) -> Any:
    """为所选范围内尚无账号的企业批量开通账号（登录名为统一社会信用代码，首次登录须修改密码）。

    范围为本人管辖范围，可用 `region_code`（县或乡镇）或 `import_job_id`（导入批次）缩小。
    `items` 逐家列出结果：`created` 的条目带有初始密码。**本响应是初始密码的唯一副本**：
    数据库只保存密码的哈希，之后无法再次取得，请立即保存或打印；丢失时只能重置密码。"""
    actor = request.user
    assert isinstance(actor, User)
    job = (
        scoped_get(actor, ImportJob, pk=payload.import_job_id) if payload.import_job_id is not None else None
    )
    result = onboarding.onboard_enterprises(
        actor=actor,
        region_code=payload.region_code or None,
        import_job=job,
        role=payload.role,
        notify=payload.notify,
    )
    items = [
        OnboardItemOut(
            id=a.enterprise_id,
            uscc=a.uscc,
            name=a.enterprise_name,
            status="created",
            user_id=a.user_id,
            username=a.username,
            password=a.password,
            town_code=a.town_code,
            town_name=a.town_name,
            contact=a.contact,
        )
        for a in result.created
    ] + [
        OnboardItemOut(
            id=s.enterprise_id,
            uscc=s.uscc,
            name=s.enterprise_name,
            status="username_taken" if s.reason == "username_taken" else "has_account",
            user_id=None,
            username=None,
            password=None,
            town_code=None,
            town_name=None,
            contact=None,
        )
        for s in result.skipped
    ]
    return OnboardOut(
        created=len(result.created),
        skipped_existing=result.skipped_existing,
        skipped_conflicts=result.skipped_conflicts,
        notices=result.notices,
        items=items,
    )


@router.post(
    "/accounts/{user_id}/reset-password",
    response=_documented(ResetPasswordOut),
    operation_id="enterprise_account_reset_password",
    summary="重置企业账号密码",
)
@object_route(User)
def enterprise_account_reset_password(request: HttpRequest, user_id: int, payload: ResetPasswordIn) -> Any:
    """监管人员为其管辖范围内的企业账号重置密码（记录审计事件 user.password_reset）。

    新密码只在本响应中返回一次，下次登录须修改；`notify` 为真且账号有手机号时同时以短信发送。"""
    actor = request.user
    assert isinstance(actor, User)
    subject = scoped_get(actor, User, pk=user_id)
    password = onboarding.enterprise_account_reset_password(actor=actor, user=subject, notify=payload.notify)
    return ResetPasswordOut(
        user_id=subject.pk,
        username=subject.username,
        password=password,
        notified=payload.notify and bool(subject.phone),
    )
