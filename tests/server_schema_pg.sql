-- server_schema.sql on PostgreSQL: the web server's tables as its peewee models create them
-- there. peewee's AutoField is SERIAL and its BooleanField BOOLEAN on PostgreSQL (INTEGER on
-- SQLite); timestamps stay TEXT, as the server writes them (pendulum's to_datetime_string()).
-- No unique index on read_status (the tests add one where they want it).
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    username VARCHAR(255) NOT NULL UNIQUE,
    email VARCHAR(255),
    password_hash VARCHAR(255),
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TEXT NOT NULL
);
CREATE TABLE categories (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    sort_order INTEGER DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE feeds (
    id SERIAL PRIMARY KEY,
    url VARCHAR(2048) NOT NULL,
    title VARCHAR(255) NOT NULL,
    description TEXT,
    category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    last_fetched TEXT,
    fetch_interval INTEGER DEFAULT 3600,
    created_at TEXT NOT NULL
);
CREATE TABLE articles (
    id SERIAL PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    title VARCHAR(1024) NOT NULL,
    url VARCHAR(2048),
    guid VARCHAR(2048),
    content TEXT,
    author VARCHAR(255),
    published_date TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX articles_feed_id ON articles (feed_id);
CREATE TABLE read_status (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    is_read BOOLEAN NOT NULL DEFAULT false,
    is_starred BOOLEAN NOT NULL DEFAULT false,
    is_archived BOOLEAN NOT NULL DEFAULT false,
    read_at TEXT,
    starred_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE sessions (token TEXT PRIMARY KEY, user_id INTEGER, expires_at TEXT);
