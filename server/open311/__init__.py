"""Open311 GeoReport v2 under /open311/v2: the endpoints and their JSON and XML documents."""
