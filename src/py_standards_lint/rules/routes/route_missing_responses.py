from __future__ import annotations

from ._openapi import HEAD, OpenApiDocRule, cases


class RouteMissingResponses(OpenApiDocRule):
    code = "PSL605"
    name = "route-missing-responses"
    message = "JSON API route `{route}` has no `responses=`"
    keyword = "responses"
    requires_text = ("get", "post", "put", "patch", "delete", "head", "options", "api_route")
    why = (
        "The OpenAPI docs are the contract of a JSON API: every JSON API route documents its error answers "
        "with `responses=` (404, 409, 500...), so clients know what to handle. Exemptions as for PSL604: "
        "routes out of the schema, non-JSON routes, `openapi-exempt` globs, unresolvable response classes."
    )
    example = HEAD + '@router.get("/items", summary="List items")\nasync def list_items() -> list[dict]: ...\n'
    use_instead = (
        HEAD + '@router.get(\n    "/items",\n    summary="List items",\n    responses={500: {"description": "Service unavailable"}},\n)\n'
        "async def list_items() -> list[dict]: ...\n"
    )
    valid, invalid = cases("responses", "summary")
