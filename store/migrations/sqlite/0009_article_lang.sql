-- The language an article is written in (a primary language subtag such as
-- fr or en, from its feed's prefix in CARAVAN_FEEDS, the feed's <language>,
-- or the API's "lang"); empty: unknown, for every reader.
ALTER TABLE articles ADD COLUMN lang TEXT NOT NULL DEFAULT '';
