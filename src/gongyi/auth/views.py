"""Accounts: register (confirmed by e-mail), sign in (rate-limited), sign out everywhere, change or
reset a forgotten password. No page tells whether an address has an account."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from gongyi.actions import attempt
from gongyi.auth import service
from gongyi.auth.forms import (
    ChangeEmailForm, ChangePasswordForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm,
)
from gongyi.auth.models import User
from gongyi.auth.tokens import CHANGE_EMAIL, CONFIRM_EMAIL, RESET_PASSWORD, make_token, read_token, read_token_with
from gongyi.db import get_session
from gongyi.extensions import limiter
from gongyi.webutil import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


ENDPOINTS = {CONFIRM_EMAIL: "auth.confirm", RESET_PASSWORD: "auth.reset", CHANGE_EMAIL: "auth.confirm_new_email"}


def _link(purpose: str, user: User, *extra: str) -> str:
    token = make_token(current_app.config["SECRET_KEY"], purpose, user, *extra)
    return url_for(ENDPOINTS[purpose], token=token, _external=True)


def _failed_sign_in(response) -> bool:
    """Only failed attempts count towards the limits (a sign-in that succeeds redirects)."""
    return response.status_code != 302


def _account_key() -> str:
    """The address typed, whether or not it has an account, so the limit reveals nothing."""
    return "account:" + service.normalise_email(request.form.get("email", ""))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["MAIL_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        email = service.normalise_email(form.email.data)
        with attempt(form) as done:
            service.register(get_session(), email=email, name=form.name.data, password=form.password.data, link=_link)
        if done.ok:
            return render_template("auth/check_email.html", email=email)
    return render_template("auth/register.html", form=form)


@bp.get("/confirm/<token>")
def confirm(token: str):
    user = read_token(get_session(), current_app.config["SECRET_KEY"], CONFIRM_EMAIL, token)
    if user is None:
        flash(_("确认链接无效或已过期。请登录，系统会重新发送确认邮件。"), "error")
        return redirect(url_for("auth.login"))
    # back to where registering started (an invitation to join an organisation), else register one
    back = session.pop("next_after_confirm", None)
    with attempt() as done:
        service.confirm_email(get_session(), user)
        done.flash(_("邮箱已确认。") if back else _("邮箱已确认。下一步：登记您的社会组织。"))
    login_user(user)
    return redirect(safe_next(back, url_for("orgs.register")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed_sign_in)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"],
               deduct_when=_failed_sign_in)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = service.authenticate(db, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("邮箱或密码不正确"))
        elif user.email_confirmed_at is None:
            with attempt():
                service.send_confirmation(db, user, _link)
            form.email.errors.append(_("请先打开确认邮件中的链接确认邮箱；我们已重新发送了一封。"))
        else:
            with attempt():
                service.start_session(db, user)
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("workspace.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        with attempt():
            service.end_sessions(get_session(), current_user)
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            service.change_password(get_session(), current_user, form.current.data, form.password.data)
            done.flash(_("密码已修改，其他设备上的登录已退出。"))
        if done.ok:
            login_user(current_user._get_current_object())  # this session carries the new token
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["MAIL_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"])
def forgot():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = service.normalise_email(form.email.data)
        with attempt():
            service.request_password_reset(get_session(), email, _link)
        return render_template("auth/check_email.html", email=email, reset=True)
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    db = get_session()
    user = read_token(db, current_app.config["SECRET_KEY"], RESET_PASSWORD, token)
    if user is None:
        flash(_("重设密码的链接无效、已过期或已使用过。请重新申请。"), "error")
        return redirect(url_for("auth.forgot"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            service.reset_password(db, user, form.password.data)
            done.flash(_("新密码已设置，请用新密码登录。"))
        if done.ok:
            logout_user()
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


def _signed_in_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else "user:none"


def _refused(response) -> bool:
    return response.status_code == 422


@bp.route("/profile", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_signed_in_key, methods=["POST"],
               deduct_when=_refused)  # the current password is checked here too: not guessed without end
def profile():
    """One's account: name, address and roles; change the password or the sign-in address."""
    password_form, email_form = ChangePasswordForm(prefix="pw"), ChangeEmailForm(prefix="em")
    status = 200
    if request.method == "POST" and "em-email" in request.form:
        if email_form.validate_on_submit():
            with attempt(email_form) as done:
                new = service.request_email_change(get_session(), current_user, email_form.current.data,
                                                   email_form.email.data, _link)
                done.flash(_("确认邮件已发到 %(email)s，打开其中的链接后登录邮箱才会修改。", email=new))
            if done.ok:
                return redirect(url_for("auth.profile"))
        status = 422
    elif request.method == "POST":
        if password_form.validate_on_submit():
            with attempt(password_form) as done:
                service.change_password(get_session(), current_user, password_form.current.data,
                                        password_form.password.data)
                done.flash(_("密码已修改，其他设备上的登录已退出。"))
            if done.ok:
                login_user(current_user._get_current_object())  # this session carries the new token
                return redirect(url_for("auth.profile"))
        status = 422
    return render_template("auth/profile.html", password_form=password_form, email_form=email_form), status


@bp.get("/email/<token>")
def confirm_new_email(token: str):
    db = get_session()
    found = read_token_with(db, current_app.config["SECRET_KEY"], CHANGE_EMAIL, token)
    if found is None or len(found[1]) != 1:
        flash(_("修改邮箱的链接无效、已过期或已使用过。请在个人资料页重新申请。"), "error")
        return redirect(url_for("auth.profile"))
    user, (new,) = found
    with attempt() as done:
        service.change_email(db, user, new)
        done.flash(_("登录邮箱已改为 %(email)s。", email=new))
    return redirect(url_for("auth.profile") if current_user.is_authenticated else url_for("auth.login"))
