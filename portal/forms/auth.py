"""Login and password forms."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError


class LoginForm(FlaskForm):
    login = StringField(_l("用户名"), validators=[DataRequired(message=_l("请输入用户名。")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码。")), Length(max=200)])
    submit = SubmitField(_l("登录"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请输入当前密码。"))])
    new = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请输入新密码。")), Length(max=200)])
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(message=_l("请再次输入新密码。")), EqualTo("new", message=_l("两次输入的新密码不一致。"))])
    submit = SubmitField(_l("修改密码"))

    def validate_new(self, field):
        check_password_strength(field.data)


def check_password_strength(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise ValidationError(_l("密码至少需要 %(n)s 个字符。", n=minimum))
    kinds = sum([any(c.isdigit() for c in password), any(c.isalpha() for c in password),
                 any(not c.isalnum() for c in password)])
    if kinds < 2:
        raise ValidationError(_l("密码需同时包含字母、数字或符号中的至少两类。"))
