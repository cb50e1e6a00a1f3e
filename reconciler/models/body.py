"""Pydantic models of the ContactSwing create body (the seed page) plus the spec-only keys.

Every fixed-shape object forbids unknown keys and is strict: no text "11" turned into
the number 11, no 1 taken for ``true``. Template parameters and ``variables`` are
free-form objects here; ``reconciler.models.params`` checks the ones that carry a
WhatsApp Cloud API ``type``. ``customer_details`` items are checked by
``reconciler.models.recipients`` (fast path for large audiences) before these models
see them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypedDict

from reconciler.models.fields import (
    Days,
    HttpUrl,
    Key,
    LanguageCode,
    PreviousKeys,
    SenderNumbers,
    StartAt,
    TemplateName,
    Text,
    TimeZone,
    rule_error,
)

SPEC_ONLY_KEYS: tuple[str, ...] = ("key", "previous_keys", "environments")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Recipient(TypedDict):
    """One recipient: the customer's id and WhatsApp number (E.164 once validated).

    A plain dict, not a model: an audience of 200,000 must stay cheap to hold and dump.
    """

    __pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[misc]

    id: Annotated[Text, Field(description="The customer's ID (unique within the campaign).")]
    to_number: Annotated[
        str, Field(description="The customer's WhatsApp number, E.164 (+ and country code).")
    ]


class AdditionalSettings(_Strict):
    """When and from which numbers the touchpoint runs."""

    execution_days: Days = Field(description="Days the campaign runs: a subset of mon..sun.")
    start_hour: int = Field(ge=0, le=23, description="First hour of sending, 0..23.")
    end_hour: int = Field(ge=1, le=24, description="Hour sending stops, 1..24; after start_hour.")
    delay: int = Field(ge=0, description="Delay between executions, in minutes.")
    time_zone: TimeZone = Field(description="IANA time zone, e.g. Asia/Kolkata.")
    ignore_suppression: bool | None = Field(
        default=None, description="Bypass suppression (messages people who opted out)."
    )
    from_numbers: SenderNumbers = Field(description="WhatsApp sender numbers, E.164.")

    @model_validator(mode="after")
    def _start_before_end(self) -> AdditionalSettings:
        if self.start_hour >= self.end_hour:
            raise rule_error(
                f"end_hour {self.end_hour} is not after start_hour {self.start_hour}",
                "sending runs from start_hour up to end_hour on the same day: "
                "make end_hour greater than start_hour",
                subpath=("end_hour",),
            )
        return self


class TemplateParams(_Strict):
    """Parameters of one part (body, header, buttons) of a WhatsApp template."""

    is_static: bool | None = Field(default=None, description="Whether parameters are static.")
    params: list[dict[str, Any]] | None = Field(
        default=None, description="Parameters; WhatsApp Cloud API parameter objects."
    )


class WhatsAppData(_Strict):
    """The message: an approved template (with parameters) or a plain body."""

    template: TemplateName | None = Field(default=None, description="WhatsApp template name.")
    language_code: LanguageCode | None = Field(default=None, description="e.g. en or en_US.")
    body_params: TemplateParams | None = None
    header_params: TemplateParams | None = None
    button_params: TemplateParams | None = None
    whatsapp_body: Text | None = Field(default=None, description="Plain text message body.")

    @model_validator(mode="after")
    def _template_or_body(self) -> WhatsAppData:
        if self.template is None and self.whatsapp_body is None:
            raise rule_error(
                "whatsapp_data has neither a template nor a whatsapp_body",
                "add template: <approved template name> (with language_code), "
                "or whatsapp_body: <text>",
            )
        return self


class Touchpoint(_Strict):
    """The WhatsApp touchpoint of the campaign."""

    name: Text = Field(description="The name of the touchpoint.")
    type: Literal["WHATSAPP"] = Field(description="Always WHATSAPP for this endpoint.")
    is_consultants: bool | None = Field(default=None, description="Consultants involved.")
    status: Text = Field(description="Status of the touchpoint, e.g. scheduled.")
    start_at: StartAt = Field(description="ISO 8601 date and time with a UTC offset.")
    assistant_id: int = Field(ge=1, description="The ID of the assistant (an integer).")
    attachment_url: HttpUrl | None = Field(default=None, description="http(s) URL.")
    additional_settings: AdditionalSettings
    customer_details: list[Recipient] = Field(min_length=1, description="The recipients.")
    whatsapp_data: WhatsAppData
    variables: list[dict[str, Any]] | None = Field(
        default=None, description="Dynamic variables used inside the campaign."
    )


class CampaignBody(_Strict):
    """The API body of ``POST /v2/campaign/create_with_touchpoint``."""

    name: Text = Field(description="Campaign display name.")
    type: Text | None = Field(default=None, description="Campaign type.")
    company_plan_id: Text | None = Field(default=None, description="Company plan ID.")
    workspace_id: Text | None = Field(default=None, description="Workspace ID.")
    business_goal: Text | None = Field(default=None, description="The business goal.")
    touchpoint: Touchpoint


class CampaignSpec(CampaignBody):
    """A rendered spec document: the API body plus the spec-only keys."""

    key: Key | None = Field(
        default=None, description="Identity; default: the file's path under campaigns/."
    )
    previous_keys: PreviousKeys = Field(
        default_factory=list, description="Keys this campaign had before a rename."
    )
    environments: list[Text] | None = Field(
        default=None,
        min_length=1,
        description="The only environments (of reconciler.yaml) the campaign exists in; "
        "default: all.",
    )
