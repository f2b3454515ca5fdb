CREATE TABLE judging_category_winner (
	category INTEGER NOT NULL, 
	submission_id VARCHAR NOT NULL, 
	decision_seq INTEGER NOT NULL, 
	PRIMARY KEY (category)
);
CREATE TABLE judging_decision_outcome (
	decision_seq INTEGER NOT NULL, 
	outcome VARCHAR NOT NULL, 
	reason VARCHAR, 
	why VARCHAR, 
	settled_by VARCHAR NOT NULL, 
	settled_at DATETIME NOT NULL, 
	PRIMARY KEY (decision_seq)
);
CREATE TABLE judging_entry_title (
	submission_id VARCHAR NOT NULL, 
	entity_id VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	revision INTEGER NOT NULL, 
	PRIMARY KEY (submission_id)
);
CREATE TABLE judging_finalists (
	category INTEGER NOT NULL, 
	finalists JSON NOT NULL, 
	ties JSON NOT NULL, 
	PRIMARY KEY (category)
);
CREATE TABLE judging_held_decision (
	decision_seq INTEGER NOT NULL, 
	queue VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	submission_id VARCHAR, 
	PRIMARY KEY (decision_seq)
);
CREATE TABLE judging_milestone (
	name VARCHAR NOT NULL, 
	event_id VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE judging_nominee_place (
	submission_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	place INTEGER NOT NULL, 
	decision_seq INTEGER NOT NULL, 
	PRIMARY KEY (submission_id), 
	UNIQUE (category, place)
);
CREATE TABLE judging_panel_decision (
	seq INTEGER NOT NULL, 
	event_key VARCHAR NOT NULL, 
	event_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	panel_member_id VARCHAR, 
	submission_id VARCHAR, 
	category INTEGER, 
	decided_at DATETIME NOT NULL, 
	received_at DATETIME NOT NULL, 
	event TEXT NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (event_key)
);
CREATE TABLE judging_verdict (
	submission_id VARCHAR NOT NULL, 
	entity_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	outcome VARCHAR NOT NULL, 
	nominable BOOLEAN NOT NULL, 
	PRIMARY KEY (submission_id)
);
CREATE TABLE outbox_event (
	seq INTEGER NOT NULL, 
	id VARCHAR NOT NULL, 
	stream VARCHAR NOT NULL, 
	cause_key VARCHAR NOT NULL, 
	body BLOB NOT NULL, 
	published BOOLEAN NOT NULL, 
	PRIMARY KEY (seq)
);
CREATE TABLE processed_event (
	"key" VARCHAR NOT NULL, 
	stream VARCHAR NOT NULL, 
	handled_at DATETIME NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE INDEX ix_judging_held_decision_queue ON judging_held_decision (queue);
CREATE INDEX ix_judging_held_decision_submission_id ON judging_held_decision (submission_id);
CREATE INDEX ix_judging_nominee_place_category ON judging_nominee_place (category);
CREATE INDEX ix_judging_panel_decision_submission_id ON judging_panel_decision (submission_id);
CREATE INDEX ix_outbox_event_cause_key ON outbox_event (cause_key);
CREATE UNIQUE INDEX ix_outbox_event_id ON outbox_event (id);
CREATE INDEX ix_outbox_event_published ON outbox_event (published);
