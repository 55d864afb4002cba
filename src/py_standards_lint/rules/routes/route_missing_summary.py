from __future__ import annotations

from ._openapi import HEAD, OpenApiDocRule, cases


class RouteMissingSummary(OpenApiDocRule):
    code = "PSL604"
    name = "route-missing-summary"
    message = "JSON API route `{route}` has no `summary=`"
    keyword = "summary"
    requires_text = ("get", "post", "put", "patch", "delete", "head", "options", "api_route")
    why = (
        "The OpenAPI docs are the contract of a JSON API: every JSON API route carries a `summary=` (shown in "
        "the docs' operation list). Routes out of the schema (`include_in_schema=False` on the route, its "
        "router or its `include_router(...)`), non-JSON routes (`response_class`, the router's "
        "`default_response_class` or the return annotation is `Response`, `HTMLResponse`, `RedirectResponse`, "
        "`PlainTextResponse`, `StreamingResponse`, `FileResponse` or a subclass, or every `return` answers with one, "
        "directly or through a local), routes of routers included only in apps created with the literal "
        "`openapi_url=None` or under a non-JSON `default_response_class` (down `include_router` chains, across "
        "modules) and `openapi-exempt` globs are not flagged; nor is a route whose response class, return "
        "annotation or `response_model=` cannot be resolved."
    )
    example = HEAD + '@router.get("/items", responses={404: {"description": "Not found"}})\nasync def list_items() -> list[dict]: ...\n'
    use_instead = (
        HEAD + '@router.get(\n    "/items",\n    summary="List items",\n    responses={404: {"description": "Not found"}},\n)\n'
        "async def list_items() -> list[dict]: ...\n"
    )
    valid, invalid = cases("summary", "responses")
