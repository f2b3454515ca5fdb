CREATE TABLE eligibility_band (
	"key" BIGINT NOT NULL, 
	submission_id VARCHAR NOT NULL, 
	PRIMARY KEY ("key", submission_id)
)
 WITHOUT ROWID

;
CREATE TABLE eligibility_entry (
	submission_id VARCHAR NOT NULL, 
	revision INTEGER NOT NULL, 
	entity_id VARCHAR NOT NULL, 
	category INTEGER, 
	first_us BIGINT NOT NULL, 
	arrival BIGINT NOT NULL, 
	content TEXT NOT NULL, 
	fingerprint VARCHAR NOT NULL, 
	signature BLOB NOT NULL, 
	language JSON NOT NULL, 
	data JSON NOT NULL, 
	verdict JSON NOT NULL, 
	PRIMARY KEY (submission_id)
);
CREATE TABLE eligibility_staff_decision (
	seq INTEGER NOT NULL, 
	event_id VARCHAR NOT NULL, 
	decided_at DATETIME NOT NULL, 
	staff_member_id VARCHAR NOT NULL, 
	submission_id VARCHAR NOT NULL, 
	revision INTEGER NOT NULL, 
	outcome VARCHAR NOT NULL, 
	reason TEXT NOT NULL, 
	machine_outcome VARCHAR NOT NULL, 
	PRIMARY KEY (seq)
);
CREATE TABLE eligibility_state (
	id INTEGER NOT NULL, 
	arrivals BIGINT NOT NULL, 
	index_layout VARCHAR NOT NULL, 
	PRIMARY KEY (id)
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
CREATE INDEX ix_eligibility_entry_fingerprint ON eligibility_entry (fingerprint);
CREATE INDEX ix_eligibility_entry_group ON eligibility_entry (entity_id, category);
CREATE INDEX ix_eligibility_staff_decision_entry ON eligibility_staff_decision (submission_id, revision, seq);
CREATE INDEX ix_outbox_event_cause_key ON outbox_event (cause_key);
CREATE UNIQUE INDEX ix_outbox_event_id ON outbox_event (id);
CREATE INDEX ix_outbox_event_published ON outbox_event (published);
