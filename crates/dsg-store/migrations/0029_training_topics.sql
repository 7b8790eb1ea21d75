-- Training topics as a checklist (第7-1 (1)–(7)): the topics a session
-- covered, as the codes of dsg-core `TrainingTopic` joined by commas, in
-- the clear so the compliance view's yearly rule can read them (which of
-- the standard's seven topics were taught says nothing about a person;
-- the notes and instructor stay sealed). NULL is "topics unknown": the
-- records kept before the checklist, whose free text stays readable as
-- their notes. Portable SQL (SQLite and PostgreSQL), as 0001.
ALTER TABLE training_records ADD COLUMN covered_topics TEXT;
