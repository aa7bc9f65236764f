from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from gongyi.actions import attempt
from gongyi.auth import service
from gongyi.auth.forms import ChangePasswordForm, LoginForm, RegisterForm
from gongyi.db import get_session
from gongyi.webutil import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            user = service.create_user(get_session(), None, email=form.email.data, name=form.name.data,
                                       password=form.password.data)
            done.flash(_("注册成功。下一步：登记您的社会组织。"))
        if done.ok:
            login_user(user)
            return redirect(url_for("orgs.register"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(get_session(), form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("邮箱或密码不正确"))
        else:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
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
            done.flash(_("密码已修改。"))
        if done.ok:
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)
