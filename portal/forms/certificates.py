"""Certificate forms: issue, batch issue, revoke (POST, CSRF), list filters and verification (GET)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

STATUS_CHOICES = (("valid", _l("有效")), ("expired", _l("已过期")), ("revoked", _l("已撤销")))


class IssueForm(FlaskForm):
    """Issue a certificate from one scorecard (the scorecard is in the URL)."""

    submit = SubmitField(_l("签发证书"))


class BatchIssueForm(FlaskForm):
    period = SelectField(_l("评价期"), validators=[DataRequired(message=_l("请选择评价期。"))])
    family = SelectField(_l("评价体系"), validators=[DataRequired(message=_l("请选择评价体系。"))])
    submit = SubmitField(_l("批量签发"))

    def __init__(self, periods, families, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [SelectChoice(p.label, p.label_zh) for p in periods]
        self.family.choices = [SelectChoice(code, label) for code, label in families.items()]


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销原因"), validators=[
        DataRequired(message=_l("请填写撤销原因。")),
        Length(max=500, message=_l("撤销原因不超过 500 个字符。"))])
    submit = SubmitField(_l("撤销证书"))


class FilterForm(FlaskForm):
    """List filters, read from the query string (no CSRF: a GET form changes nothing)."""

    class Meta:
        csrf = False

    period = SelectField(_l("评价期"), validators=[Optional()])
    family = SelectField(_l("评价体系"), validators=[Optional()])
    status = SelectField(_l("状态"), validators=[Optional()])

    def __init__(self, periods, families, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [SelectChoice("", _l("全部评价期"))] + [SelectChoice(str(p.id), p.label_zh)
                                                                     for p in periods]
        self.family.choices = [SelectChoice("", _l("全部评价体系"))] + [SelectChoice(c, label)
                                                                      for c, label in families.items()]
        self.status.choices = [SelectChoice("", _l("全部状态"))] + [SelectChoice(v, label)
                                                                  for v, label in STATUS_CHOICES]


class VerifyForm(FlaskForm):
    """The public lookup by serial number (GET)."""

    class Meta:
        csrf = False

    serial = StringField(_l("证书编号"), validators=[DataRequired(message=_l("请输入证书编号。")),
                                                  Length(max=40, message=_l("证书编号过长。"))])
    submit = SubmitField(_l("核验"))
