"""Appeals to officials: sending and co-signing (web, kiosk, phone, letter, visit), routing to a department, the
workflow with deadlines, answers and ratings, similar-appeal grouping, alerts, the public dashboard's figures,
and the read rules of who may see an appeal and which of its events (``appeals.queries``)."""
