"""The local web app: a versioned JSON API (/api/v1) and a dashboard page, all served offline."""
