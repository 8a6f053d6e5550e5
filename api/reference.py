"""The reference page's content, read from the OpenAPI schema itself."""

from drf_spectacular.generators import SchemaGenerator


def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def reference_context(request):
    spec = schema()
    operations = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            operations.append({"method": method.upper(), "path": path, "op": op})
    return {"spec": spec, "operations": operations}
