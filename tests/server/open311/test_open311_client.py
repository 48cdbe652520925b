"""An existing Open311 client library (georeport, from PyPI) reads our GeoReport v2 server over HTTP,
unchanged, in JSON and in XML."""

import pytest
from georeport import GeoReport

from appeals import workflow as appeal_workflow
from core.db import db


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_reads_services_and_requests(live_server, make_appeal, make_category, make_user,
                                                          make_region, make_department, output_format):
    village, water = make_region("village"), make_category(code="water")
    make_department(region=village.path[0], categories=[water])
    appeal = make_appeal(village=village, category=water, body="No water in group three")
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department),
                                  body="A new pump is fitted.", resolve=True)
    db.session.commit()
    client = GeoReport(live_server.url + "/open311/v2", output_format=output_format)

    services = client.get_service_list()
    services = services if isinstance(services, list) else [services]  # xmltodict: one element, no list
    assert [s["service_code"] for s in services] == [appeal.category.code]
    definition = client.get_service_definition(appeal.category.code)
    assert definition["service_code"] == appeal.category.code

    requests = client.get_service_requests(service_code=appeal.category.code, status="closed")
    requests = requests if isinstance(requests, list) else [requests]
    assert [r["service_request_id"] for r in requests] == [str(appeal.id)]
    one = client.get_service_request(str(appeal.id))
    assert (one["status"], one["status_notes"], one["description"]) == (
        "closed", "A new pump is fitted.", "No water in group three")
    assert one["requested_datetime"].endswith("+08:00")
