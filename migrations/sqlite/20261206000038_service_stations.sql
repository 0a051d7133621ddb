-- The community service station (社区工作站/服务站, issue 21 item 13): an organisation of the
-- community, one per community, with its staff drawn from the community's workers and head
-- (rule P12), to which cases and services are assigned (rule P13). Kept in lock-step with
-- ../postgres/20261206000038_service_stations.sql.
CREATE TABLE service_stations (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX service_stations_one ON service_stations(community_id);
CREATE TABLE service_station_staff (
    station_id INTEGER NOT NULL REFERENCES service_stations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    post TEXT NOT NULL,
    PRIMARY KEY (station_id, user_id)
);
ALTER TABLE cases ADD COLUMN station_id INTEGER REFERENCES service_stations(id);
ALTER TABLE services ADD COLUMN station_id INTEGER REFERENCES service_stations(id);
CREATE INDEX cases_station ON cases(station_id);
