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
CREATE TABLE voting_ballot (
	"key" BLOB NOT NULL, 
	ballot_id VARCHAR NOT NULL, 
	voter_id VARCHAR, 
	category INTEGER, 
	project_id VARCHAR, 
	reason VARCHAR, 
	at_us BIGINT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE voting_held (
	"key" BLOB NOT NULL, 
	ballot_id VARCHAR NOT NULL, 
	voter_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	project_id VARCHAR NOT NULL, 
	at_us BIGINT NOT NULL, 
	position VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE voting_member (
	user_id VARCHAR NOT NULL, 
	entity_id VARCHAR, 
	complete BOOLEAN NOT NULL, 
	position VARCHAR NOT NULL, 
	PRIMARY KEY (user_id)
);
CREATE TABLE voting_nominee (
	project_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	entity_id VARCHAR NOT NULL, 
	list_event_id VARCHAR NOT NULL, 
	PRIMARY KEY (project_id)
);
CREATE TABLE voting_owed (
	seq INTEGER NOT NULL, 
	keys BLOB NOT NULL, 
	PRIMARY KEY (seq)
);
CREATE TABLE voting_report (
	name VARCHAR NOT NULL, 
	event_id VARCHAR NOT NULL, 
	body BLOB NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE voting_vote (
	voter_id VARCHAR NOT NULL, 
	category INTEGER NOT NULL, 
	ballot_key BLOB NOT NULL, 
	project_id VARCHAR NOT NULL, 
	at_us BIGINT NOT NULL, 
	PRIMARY KEY (voter_id, category)
);
CREATE INDEX ix_outbox_event_cause_key ON outbox_event (cause_key);
CREATE UNIQUE INDEX ix_outbox_event_id ON outbox_event (id);
CREATE INDEX ix_outbox_event_published ON outbox_event (published);
CREATE INDEX ix_voting_held_position ON voting_held (position);
