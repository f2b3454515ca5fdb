CREATE TABLE processed_event (
	key VARCHAR NOT NULL, 
	stream VARCHAR NOT NULL, 
	handled_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (key)
);
CREATE TABLE outbox_event (
	seq SERIAL NOT NULL, 
	id VARCHAR NOT NULL, 
	stream VARCHAR NOT NULL, 
	cause_key VARCHAR NOT NULL, 
	body BYTEA NOT NULL, 
	published BOOLEAN NOT NULL, 
	PRIMARY KEY (seq)
);
CREATE UNIQUE INDEX ix_outbox_event_id ON outbox_event (id);
CREATE INDEX ix_outbox_event_published ON outbox_event (published);
CREATE INDEX ix_outbox_event_cause_key ON outbox_event (cause_key);
CREATE TABLE submission_entry (
	submission_id VARCHAR NOT NULL, 
	revision INTEGER NOT NULL, 
	content_hash VARCHAR NOT NULL, 
	received_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	entity_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (submission_id)
);
CREATE INDEX ix_submission_entry_entity_id ON submission_entry (entity_id);
CREATE TABLE submission_revision (
	submission_id VARCHAR NOT NULL, 
	revision INTEGER NOT NULL, 
	event_id VARCHAR NOT NULL, 
	received_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (submission_id, revision)
);
