-- One building group per building (M5, issue 19): a second group would seat a second building
-- leader. Enforced by the database, so that concurrent creations cannot both pass.
CREATE UNIQUE INDEX bodies_one_group_per_building ON bodies(building_id) WHERE kind = 'building_group';
