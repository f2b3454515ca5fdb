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
CREATE TABLE notify_contact (
	submission_id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	email VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	revision INTEGER NOT NULL, 
	address_no INTEGER NOT NULL, 
	language VARCHAR NOT NULL, 
	PRIMARY KEY (submission_id)
);
CREATE TABLE notify_screened (
	submission_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	PRIMARY KEY (submission_id)
);
CREATE TABLE notify_milestone (
	name VARCHAR NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE notify_notification (
	seq SERIAL NOT NULL, 
	notification_id VARCHAR, 
	occasion VARCHAR NOT NULL, 
	recipient VARCHAR NOT NULL, 
	submission_id VARCHAR NOT NULL, 
	week INTEGER NOT NULL, 
	key VARCHAR NOT NULL, 
	facts JSON NOT NULL, 
	status VARCHAR NOT NULL, 
	confidential BOOLEAN NOT NULL, 
	held BOOLEAN NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at FLOAT NOT NULL, 
	claimed_by VARCHAR, 
	claimed_at FLOAT, 
	last_error VARCHAR, 
	cause_id VARCHAR NOT NULL, 
	cause_time VARCHAR NOT NULL, 
	PRIMARY KEY (seq), 
	CONSTRAINT uq_notify_once UNIQUE (occasion, recipient, submission_id, week, key), 
	UNIQUE (notification_id)
);
CREATE INDEX ix_notify_notification_submission_id ON notify_notification (submission_id);
CREATE INDEX ix_notify_due ON notify_notification (status, next_attempt_at);
CREATE INDEX ix_notify_notification_held ON notify_notification (held);
