"""The integration API (issue 13): MCOs' and billing agents' systems work tickets through
``/api/v1/`` with a scoped token, on the same workflow as the pages (docs/api.md)."""
