"""Admin forms: enterprises (built from the profile part of the field registry), users, periods."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.fields import registry
from portal.fields.uscc import uscc_problem
from portal.forms.auth import check_password_strength


def _choices(key: str, blank: bool = False) -> list[SelectChoice]:
    spec = registry().field(key)
    choices = [SelectChoice(value, spec.value_label(value)) for value in spec.values]
    return ([SelectChoice("", "—")] + choices) if blank else choices


class EnterpriseForm(FlaskForm):
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(message=_l("请填写统一社会信用代码。"))])
    name = StringField(_l("企业名称"), validators=[DataRequired(message=_l("请填写企业名称。")),
                                               Length(max=100, message=_l("企业名称不超过 100 个字符。"))])
    industry_code = StringField(_l("国民经济行业代码"), validators=[DataRequired(message=_l("请填写行业代码。"))])
    cluster = SelectField(_l("所属产业集群"), validators=[DataRequired(message=_l("请选择产业集群。"))])
    sub_direction = StringField(_l("重点发展方向"), validators=[Optional(), Length(max=40)])
    park = SelectField(_l("所在园区"), validators=[DataRequired(message=_l("请选择所在园区。"))])
    town = StringField(_l("镇街名称"), validators=[Length(max=40)])
    founded_on = DateField(_l("成立日期"), validators=[InputRequired(message=_l("请填写成立日期（YYYY-MM-DD）。"))])
    niche_since_year = IntegerField(_l("进入当前细分市场年份"), validators=[Optional(), NumberRange(1900, 2100)])
    land_area_mu = DecimalField(_l("用地面积（亩）"), places=None, validators=[Optional(), NumberRange(min=0, message=_l("不能为负数。"))])
    floor_area_m2 = DecimalField(_l("总建筑面积（平方米）"), places=None, validators=[Optional(), NumberRange(min=0, message=_l("不能为负数。"))])
    footprint_area_m2 = DecimalField(_l("建（构）筑物及露天堆场占地面积（平方米）"), places=None,
                                     validators=[Optional(), NumberRange(min=0, message=_l("不能为负数。"))])
    is_above_scale = BooleanField(_l("规模以上工业企业"), default=True)
    high_tech_cert_until = DateField(_l("高新技术企业证书有效期至"), validators=[Optional()])
    product_field = SelectField(_l("主导产品所属领域"), validators=[Optional()])
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster.choices = _choices("cluster")
        self.park.choices = _choices("park")
        self.product_field.choices = _choices("product_field", blank=True)

    def validate_uscc(self, field):
        problem = uscc_problem(field.data)
        if problem:
            raise ValidationError(problem)
        field.data = field.data.strip().upper()

    def validate_industry_code(self, field):
        code = (field.data or "").strip()
        if len(code) != 4 or not (code.isascii() and code.isdigit()):
            raise ValidationError(_l("行业代码应为 4 位数字（GB/T 4754-2017 小类）。"))
        if not 13 <= int(code[:2]) <= 43:
            raise ValidationError(_l("行业代码应属于制造业门类（大类 13-43）。"))
        field.data = code

    def validate_town(self, field):
        if self.park.data == "town" and not (field.data or "").strip():
            raise ValidationError(_l("所在园区为“镇街”时，请填写镇街名称。"))

    def profile_data(self) -> dict:
        data = {key: self[key].data for key in (
            "uscc", "name", "industry_code", "cluster", "sub_direction", "park", "town", "founded_on",
            "niche_since_year", "land_area_mu", "floor_area_m2", "footprint_area_m2", "is_above_scale",
            "high_tech_cert_until", "product_field")}
        for key in ("land_area_mu", "floor_area_m2", "footprint_area_m2"):
            if data[key] is not None:
                data[key] = float(data[key])
        for key in ("sub_direction", "town", "product_field"):
            data[key] = (data[key] or "").strip() or None
        data["name"] = data["name"].strip()
        return data


class UserForm(FlaskForm):
    login = StringField(_l("用户名"), validators=[DataRequired(message=_l("请填写用户名。")), Length(min=3, max=64)])
    display_name = StringField(_l("姓名"), validators=[DataRequired(message=_l("请填写姓名。")), Length(max=64)])
    role = SelectField(_l("角色"), choices=[SelectChoice("enterprise", _l("企业用户")),
                                                     SelectChoice("reviewer", _l("审核人员")),
                                                     SelectChoice("admin", _l("系统管理员"))])
    enterprise_uscc = StringField(_l("所属企业统一社会信用代码（企业用户必填）"))
    email = StringField(_l("电子邮箱"), validators=[Optional(), Length(max=120)])
    password = PasswordField(_l("初始密码"), validators=[Optional()])
    active = BooleanField(_l("启用"), default=True)
    submit = SubmitField(_l("保存"))

    def validate_enterprise_uscc(self, field):
        if self.role.data == "enterprise" and not (field.data or "").strip():
            raise ValidationError(_l("企业用户必须指定所属企业。"))

    def validate_password(self, field):
        if field.data:
            check_password_strength(field.data)


class PeriodForm(FlaskForm):
    year = IntegerField(_l("年份"), validators=[InputRequired(message=_l("请填写年份。")), NumberRange(2000, 2100)])
    quarter = SelectField(_l("季度"), choices=[SelectChoice(str(q), str(q)) for q in range(1, 5)])
    opens_on = DateField(_l("开放填报日期"), validators=[InputRequired(message=_l("请填写开放日期。"))])
    due_on = DateField(_l("截止日期"), validators=[InputRequired(message=_l("请填写截止日期。"))])
    submit = SubmitField(_l("开放填报期"))

    def validate_due_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("截止日期不能早于开放日期。"))


class ConfirmForm(FlaskForm):
    """An empty form carrying only the CSRF token, for POST-only buttons."""
    submit = SubmitField(_l("确认"))
