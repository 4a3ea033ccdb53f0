"""API tokens: django-rest-knox (only a hash is stored, every token expires), for integration accounts only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class IntegrationTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``. A token whose account is no longer an active integration
    account is refused, as if it did not exist."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if not user.is_integration:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return user, token


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.auth.IntegrationTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _('Integration accounts only: "Token <token>". Tokens expire.'),
        }
