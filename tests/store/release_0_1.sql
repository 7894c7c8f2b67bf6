-- A database as release 0.1 (commit f87b940) left it, frozen for the upgrade test.
--
-- The DDL is what 0.1's `Base.metadata.create_all` wrote into SQLite (from
-- `git show f87b940:openoutreach_server/db/models.py`), read back from sqlite_master. The rows
-- are written the way 0.1 wrote them: accounts through the ORM (SQLAlchemy's JSON type:
-- json.dumps with its default separators), runs through queue.py's plain INSERT (compact
-- JSON, booleans 0/1), schedules through schedules.py's INSERT (json.dumps). Secrets are
-- Fernet tokens sealed with the test's key (RELEASE_01_SECRET_KEY in test_release_01.py).
-- No alembic_version table: 0.1 had none.

CREATE TABLE accounts (
	handle VARCHAR(64) NOT NULL,
	display_name VARCHAR(200),
	username VARCHAR(320),
	password_enc BLOB,
	li_at_enc BLOB,
	storage_state_enc BLOB,
	proxy_enc BLOB,
	timezone VARCHAR(64) NOT NULL,
	working_hours JSON,
	quotas JSON,
	identity JSON,
	status VARCHAR(20) NOT NULL,
	status_reason TEXT,
	created_at FLOAT NOT NULL,
	updated_at FLOAT NOT NULL,
	last_login_at FLOAT,
	checkpoint_path VARCHAR(500),
	session_epoch INTEGER DEFAULT 0 NOT NULL,
	next_action_at FLOAT,
	cooldowns JSON,
	consecutive_failures INTEGER DEFAULT 0 NOT NULL,
	pin_enc BLOB,
	PRIMARY KEY (handle)
);
CREATE TABLE runs (
	id INTEGER NOT NULL,
	handle VARCHAR(64) NOT NULL,
	type VARCHAR(32) NOT NULL,
	touchpoint JSON NOT NULL,
	side_effecting BOOLEAN NOT NULL,
	status VARCHAR(16) NOT NULL,
	dry_run BOOLEAN NOT NULL,
	priority INTEGER NOT NULL,
	not_before FLOAT NOT NULL,
	tags JSON NOT NULL,
	callback_url TEXT,
	on_quota VARCHAR(8) NOT NULL,
	idempotency_key VARCHAR(255),
	request_hash VARCHAR(64),
	result JSON,
	error_code VARCHAR(32),
	error TEXT,
	retryable BOOLEAN,
	attempt INTEGER NOT NULL,
	max_attempts INTEGER NOT NULL,
	artifacts JSON NOT NULL,
	worker_id VARCHAR(64),
	lease_expires_at FLOAT,
	created_at FLOAT NOT NULL,
	started_at FLOAT,
	completed_at FLOAT,
	schedule_id INTEGER,
	fire_time FLOAT,
	PRIMARY KEY (id)
);
CREATE INDEX ix_runs_usage ON runs (handle, type, started_at);
CREATE UNIQUE INDEX uq_runs_schedule_fire ON runs (schedule_id, fire_time) WHERE schedule_id IS NOT NULL;
CREATE UNIQUE INDEX uq_runs_one_running_per_handle ON runs (handle) WHERE status = 'running';
CREATE INDEX ix_runs_pending_login ON runs (handle, id) WHERE status = 'pending' AND type = 'login';
CREATE INDEX ix_runs_status_due ON runs (status, not_before);
CREATE INDEX ix_runs_claim ON runs (handle, status, priority DESC, id);
CREATE INDEX ix_runs_status_lease ON runs (status, lease_expires_at);
CREATE UNIQUE INDEX uq_runs_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE schedules (
	id INTEGER NOT NULL,
	handle VARCHAR(64) NOT NULL,
	type VARCHAR(32) NOT NULL,
	touchpoint JSON NOT NULL,
	cron VARCHAR(200) NOT NULL,
	timezone VARCHAR(64) NOT NULL,
	tags JSON NOT NULL,
	dry_run BOOLEAN NOT NULL,
	priority INTEGER NOT NULL,
	active BOOLEAN NOT NULL,
	created_at FLOAT NOT NULL,
	updated_at FLOAT NOT NULL,
	next_fire_at FLOAT,
	last_fire_at FLOAT,
	fires INTEGER NOT NULL,
	skipped_fires INTEGER NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_schedules_due ON schedules (active, next_fire_at);
CREATE INDEX ix_schedules_handle ON schedules (handle, id);

INSERT INTO accounts (handle, display_name, username, password_enc, li_at_enc, storage_state_enc, proxy_enc, timezone, working_hours, quotas, identity, status, status_reason, created_at, updated_at, last_login_at, checkpoint_path, session_epoch, next_action_at, cooldowns, consecutive_failures, pin_enc) VALUES ('jane', 'Jane D.', NULL, NULL, X'674141414141427244696f4f5278576d63542d5a5448773252324c71456d764a6969565f65706a59484f475a545766706b754e4854634c746f737a2d6b534e4b75542d4a3138446c4a75665f6b766938586e46795f726952504258552d5f753032444c72777153664176574a30662d665842385f3167513d', X'674141414141427244696f4f6e5a5034394c56694d725f356449495347525942654a6553573363433862796a3563726e426e53695162467a4c724f5a33623072316663514d723856612d6a62586664567451474d4f493031537579744d46346c724549365073665666566f674a765858675346354d5952506b5445316e345958356d627756556d5331424a3148686b646d4b63623048584b35786243756c735a58355138355f436651686d5356436a46647a527076595f73367232727146613643777747717346476b70627047576337714e476137354d366e7a49484a39372d63454f2d58715a6f77684b6d6b774e63386978787a324332464273537a664a5362534b6b462d654630726f6676566d75786b392d305f6166594653745f34644f71716d5a6542372d7350633076455242664148426a69413d', NULL, 'Europe/Paris', NULL, '{"connect": {"day": 25}}', '{"viewport": [1440, 900], "locale": "en-US", "timezone_id": "Europe/Paris"}', 'active', NULL, 1763800000.0, 1763807200.0, 1763800060.0, NULL, 1, 1763807300.0, '{"connect": 1763803600.0}', 0, NULL);
INSERT INTO accounts (handle, display_name, username, password_enc, li_at_enc, storage_state_enc, proxy_enc, timezone, working_hours, quotas, identity, status, status_reason, created_at, updated_at, last_login_at, checkpoint_path, session_epoch, next_action_at, cooldowns, consecutive_failures, pin_enc) VALUES ('sam', NULL, 'sam@example.com', X'674141414141427244696f4f595178766f436558526243504c4a586757496b7a39366641526e4978476e5a6279634b33685f315132476f6830414659716157586e5352662d74796775476a477746583135307456614663344833646c666a52662d773d3d', NULL, NULL, NULL, 'UTC', NULL, NULL, '{"viewport": [1366, 768], "locale": "en-US", "timezone_id": "UTC"}', 'needs_login', 'LinkedIn rejected the credentials (run 8)', 1763800100.0, 1763805000.0, NULL, NULL, 0, NULL, NULL, 0, NULL);
INSERT INTO accounts (handle, display_name, username, password_enc, li_at_enc, storage_state_enc, proxy_enc, timezone, working_hours, quotas, identity, status, status_reason, created_at, updated_at, last_login_at, checkpoint_path, session_epoch, next_action_at, cooldowns, consecutive_failures, pin_enc) VALUES ('max', 'Max Ünïcode', NULL, NULL, X'674141414141427244696f4f76494e4542563863626c76526770494a386e565953645934686c62785865694d643976506c5568314e6a6c38753154553664437578596347666e6d47464c4d435031704b4355794f4e48546c61343278756561513037726e3576516d6c37666449445431614e385949634d3d', NULL, X'674141414141427244696f4f346849456574724a617a42646633763173686a39387a6d546953566e7a467a675f354f364e51317878704742423767304d415151464549744e39633359676d4630567657392d336a77766f536847625169484542476b41667a455a377853664b5a75544d5951764668495231376c486b56767967462d76496b55566d35394c74', 'America/New_York', '[{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:30"}]', NULL, '{"viewport": [1536, 864], "locale": "en-US", "timezone_id": "America/New_York"}', 'paused', 'holiday', 1763800200.0, 1763806000.0, 1763800300.0, NULL, 0, NULL, NULL, 2, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (1, 'jane', 'visit', '{"type":"visit","profile_url":"https://www.linkedin.com/in/john-smith/","dwell_s":[2.0,6.0],"scroll":true}', 0, 'completed', 0, 0, 1763801000.0, '[]', NULL, 'wait', NULL, NULL, '{"final_url":"https://www.linkedin.com/in/john-smith/","public_identifier":"john-smith","degree":"2nd"}', NULL, NULL, NULL, 1, 3, '[]', 'w101-a1b2c3', NULL, 1763801000.0, 1763801000.01, 1763801002.5, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (2, 'jane', 'connect', '{"type":"connect","profile_url":"https://www.linkedin.com/in/john-smith/","note":"Hi John,\nshall we connect? 👋"}', 1, 'failed', 0, 0, 1763801100.0, '[]', NULL, 'wait', NULL, NULL, NULL, 'UI_CHANGED', 'the Connect button was not found', 1, 3, 3, '["screenshot.png","page.html","trace.zip"]', 'w101-a1b2c3', NULL, 1763801100.0, 1763801300.0, 1763801301.0, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (3, 'jane', 'connect', '{"type":"connect","profile_url":"https://www.linkedin.com/in/john-smith/","note":"Hi John,\nshall we connect? 👋"}', 1, 'interrupted', 0, 0, 1763801400.0, '[]', NULL, 'wait', NULL, NULL, NULL, 'INTERRUPTED', 'the worker running it stopped (lease expired); the action may or may not have happened, so it is not re-run', 0, 1, 3, '[]', 'w101-a1b2c3', NULL, 1763801400.0, 1763801400.2, 1763801500.0, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (4, 'sam', 'visit', '{"type":"visit","profile_url":"https://www.linkedin.com/in/john-smith/","dwell_s":[2.0,6.0],"scroll":true}', 0, 'pending', 0, 0, 1763805100.0, '[]', NULL, 'wait', NULL, NULL, NULL, NULL, NULL, NULL, 0, 3, '[]', NULL, NULL, 1763805100.0, NULL, NULL, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (5, 'jane', 'visit', '{"type":"visit","profile_url":"https://www.linkedin.com/in/john-smith/","dwell_s":[2.0,6.0],"scroll":true}', 0, 'pending', 0, 5, 1763807000.0, '["campaign-7","é"]', 'https://crm.example/hooks/oo', 'wait', 'lead-42-visit', '3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f', NULL, NULL, NULL, NULL, 0, 3, '[]', NULL, NULL, 1763807000.0, NULL, NULL, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (6, 'jane', 'visit', '{"type":"visit","profile_url":"https://www.linkedin.com/in/john-smith/","dwell_s":[2.0,6.0],"scroll":true}', 0, 'completed', 0, 0, 1763803600.0, '[]', NULL, 'wait', NULL, NULL, '{"final_url":"https://www.linkedin.com/in/john-smith/","public_identifier":"john-smith","degree":"2nd"}', NULL, NULL, NULL, 1, 3, '[]', 'w101-a1b2c3', NULL, 1763803600.0, 1763803600.05, 1763803603.0, 1, 1763803600.0);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (7, 'jane', 'connect', '{"type":"connect","profile_url":"https://www.linkedin.com/in/john-smith/","note":"Hi John,\nshall we connect? 👋"}', 1, 'completed', 1, 0, 1763804000.0, '[]', NULL, 'wait', NULL, NULL, '{"status":"would_send","note_sent":true}', NULL, NULL, NULL, 1, 3, '[]', 'w101-a1b2c3', NULL, 1763804000.0, 1763804000.1, 1763804001.0, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (8, 'sam', 'login', '{"type":"login"}', 1, 'failed', 0, 1000000, 1763804900.0, '[]', NULL, 'wait', NULL, NULL, NULL, 'AUTH_FAILED', 'LinkedIn rejected the credentials', 0, 1, 1, '[]', 'w101-a1b2c3', NULL, 1763804900.0, 1763804900.1, 1763804905.0, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (9, 'jane', 'visit', '{"type":"visit","profile_url":"https://www.linkedin.com/in/john-smith/","dwell_s":[2.0,6.0],"scroll":true}', 0, 'canceled', 0, 0, 1763806500.0, '[]', NULL, 'wait', NULL, NULL, NULL, 'CANCELED', 'canceled by the client', 0, 0, 3, '[]', NULL, NULL, 1763806500.0, NULL, 1763806600.0, NULL, NULL);
INSERT INTO runs (id, handle, type, touchpoint, side_effecting, status, dry_run, priority, not_before, tags, callback_url, on_quota, idempotency_key, request_hash, result, error_code, error, retryable, attempt, max_attempts, artifacts, worker_id, lease_expires_at, created_at, started_at, completed_at, schedule_id, fire_time) VALUES (10, 'max', 'visit', '{"type":"visit","profile_url":"https://www.linkedin.com/in/john-smith/","dwell_s":[2.0,6.0],"scroll":true}', 0, 'pending', 0, 0, 1763886400.0, '[]', NULL, 'wait', NULL, NULL, NULL, NULL, NULL, NULL, 0, 3, '[]', NULL, NULL, 1763806100.0, NULL, NULL, NULL, NULL);
INSERT INTO schedules (id, handle, type, touchpoint, cron, timezone, tags, dry_run, priority, active, created_at, updated_at, next_fire_at, last_fire_at, fires, skipped_fires) VALUES (1, 'jane', 'visit', '{"type": "visit", "profile_url": "https://www.linkedin.com/in/john-smith/", "dwell_s": [2.0, 6.0], "scroll": true}', '0 * * * *', 'Europe/Paris', '["hourly"]', 0, 0, 1, 1763803000.0, 1763803600.0, 1763807200.0, 1763803600.0, 1, 0);
INSERT INTO schedules (id, handle, type, touchpoint, cron, timezone, tags, dry_run, priority, active, created_at, updated_at, next_fire_at, last_fire_at, fires, skipped_fires) VALUES (2, 'max', 'connect', '{"type": "connect", "profile_url": "https://www.linkedin.com/in/john-smith/", "note": "Hi John,\nshall we connect? 👋"}', '30 9 * * mon-fri', 'America/New_York', '[]', 1, 3, 0, 1763803100.0, 1763803200.0, NULL, NULL, 0, 2);
