"""Review forms: the workflow buttons (each carries the report's version), filters, uploads."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.fields import registry
from portal.review.workflow import MAX_COMMENT_CHARS


def clean_text(value):
    """Drop control characters (NUL cannot even be stored by PostgreSQL); keep line breaks and tabs."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " " and ch != "\x7f")


def _version(field) -> None:
    text = (field.data or "").strip()
    # isdigit() accepts superscripts and other Unicode digits that int() refuses: ASCII only.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ValidationError(_l("页面已过期，请刷新后重试。"))


class VersionedForm(FlaskForm):
    """A POST button on a report: the hidden version is the optimistic lock the user saw."""
    version = HiddenField(validators=[InputRequired(message=_l("页面已过期，请刷新后重试。"))])

    def validate_version(self, field):
        _version(field)

    @property
    def expected_version(self) -> int:
        return int(self.version.data)


class ReturnForm(VersionedForm):
    comment = TextAreaField(_l("退回意见"), filters=[clean_text], validators=[
        DataRequired(message=_l("退回时必须填写退回意见。")),
        Length(max=MAX_COMMENT_CHARS, message=_l("退回意见不超过 %(n)s 个字。", n=MAX_COMMENT_CHARS))])
    submit = SubmitField(_l("退回企业修改"))


class ApproveForm(VersionedForm):
    submit = SubmitField(_l("审核通过"))


class AllowAmendmentForm(VersionedForm):
    submit = SubmitField(_l("同意更正"))


class ConfirmForm(FlaskForm):
    """Only the CSRF token, for POST-only buttons (reminders, apply, undo, mark read)."""
    submit = SubmitField(_l("确认"))


class BulkUploadForm(FlaskForm):
    file = FileField(_l("批量填报文件（.xlsx）"))
    submit = SubmitField(_l("上传并预览"))


def _options(key: str) -> list[SelectChoice]:
    spec = registry().field(key)
    return [SelectChoice("", _l("全部"))] + [SelectChoice(v, spec.value_label(v)) for v in spec.values]


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


STATUS_CHOICES = (("all", _l("全部状态")), ("submitted", _l("已提交")), ("returned", _l("已退回")),
                  ("approved", _l("已通过")), ("draft", _l("草稿")))


class QueueFilterForm(_GetForm):
    """The queue's filters (GET); the period is read separately (an unknown period is a 404)."""
    status = SelectField(_l("状态"), default="submitted",
                         choices=[SelectChoice(v, label) for v, label in STATUS_CHOICES])
    cluster = SelectField(_l("产业集群"), default="")
    park = SelectField(_l("园区"), default="")
    has_warnings = BooleanField(_l("有预警说明"))
    late = BooleanField(_l("逾期提交"))
    q = StringField(_l("企业名称或信用代码"), filters=[clean_text], validators=[Optional(), Length(max=100)])
    sort = SelectField(_l("排序"), default="submitted_desc",
                       choices=[SelectChoice("submitted_desc", _l("提交时间（新→旧）")),
                                SelectChoice("submitted_asc", _l("提交时间（旧→新）"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster.choices = _options("cluster")
        self.park.choices = _options("park")


class GroupFilterForm(_GetForm):
    """Cluster and park filters of the board's list of missing enterprises (GET)."""
    cluster = SelectField(_l("产业集群"), default="")
    park = SelectField(_l("园区"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster.choices = _options("cluster")
        self.park.choices = _options("park")


class AuditFilterForm(_GetForm):
    action = StringField(_l("操作（前缀，如 report.）"), filters=[clean_text], validators=[Optional(), Length(max=48)])
    enterprise = StringField(_l("企业名称或信用代码"), filters=[clean_text], validators=[Optional(), Length(max=100)])
    login = StringField(_l("操作人用户名"), filters=[clean_text], validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("起始日期（UTC）"), validators=[Optional()])
    date_to = DateField(_l("截止日期（UTC）"), validators=[Optional()])

    def validate_date_to(self, field):
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError(_l("截止日期不能早于起始日期。"))
