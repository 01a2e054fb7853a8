//! What moodtune remembers about a person, end to end on SQLite and PostgreSQL: a scripted user
//! who dislikes three songs and likes two, the replies that follow, their history, retention, and
//! forgetting. The engine is the real one on the demo catalog; ratings go through the store.

use std::collections::HashSet;

use moodtune_core::engine::{Taste, CANDIDATES};
use moodtune_core::{
    Engine, EngineConfig, Listener, MoodSource, RecommendError, Recommendation, UserSalt, Verdict,
};
use moodtune_tests::TestDb;

fn config(url: &str, memory_days: u32) -> EngineConfig {
    EngineConfig {
        database_url: url.to_string(),
        user_salt: UserSalt(b"a salt kept for this test".to_vec()),
        memory_days,
        ..EngineConfig::default()
    }
}

/// Every page of the ranking for one mood, in reply order.
async fn whole_ranking(
    engine: &Engine,
    mood: &moodtune_core::Emotion,
    listener: Listener,
    taste: &Taste,
) -> Vec<Recommendation> {
    let mut pages = Vec::new();
    for offset in (0..CANDIDATES).step_by(10) {
        let page = engine
            .recommend_tasted(mood, 10, offset, listener, taste)
            .await
            .unwrap();
        let more = page.has_more;
        pages.push(page);
        if !more {
            break;
        }
    }
    pages
}

fn ids(pages: &[Recommendation]) -> Vec<i64> {
    pages
        .iter()
        .flat_map(|p| p.tracks.iter().map(|t| t.info.id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_listener_is_remembered_then_forgotten() {
    for db in TestDb::both("memory").await {
        let b = db.backend;
        let engine = Engine::open(config(&db.url, 90)).await.unwrap();
        let ann = engine.user_key("telegram", 1001);
        let bob = engine.user_key("telegram", 1002);
        let listener = Listener::on_day(ann.seed(), 20_000);
        let mood = engine.text_emotion("下雨天一个人，有点难过").unwrap();

        // A fresh listener's taste is empty and changes nothing.
        let fresh = engine.taste(&ann).await.unwrap();
        assert!(fresh.is_empty(), "{b}");
        let before = whole_ranking(&engine, &mood, listener, &fresh).await;
        let plain = engine.recommend_for(&mood, 10, 0, listener).await.unwrap();
        assert_eq!(plain.tracks, before[0].tracks, "{b}");
        let before_ids = ids(&before);

        // Dislike the first three songs; like two later songs whose artists have other songs in
        // the ranking (so that "liked artists weigh more" can be seen).
        let first = &before[0].tracks;
        let disliked: Vec<i64> = first[..3].iter().map(|t| t.info.id).collect();
        let all: Vec<&moodtune_core::RecommendedTrack> =
            before.iter().flat_map(|p| p.tracks.iter()).collect();
        let liked: Vec<&moodtune_core::RecommendedTrack> = all
            .iter()
            .skip(3)
            .filter(|t| {
                all.iter().any(|o| {
                    o.info.id != t.info.id
                        && o.info.artists.iter().any(|a| t.info.artists.contains(a))
                })
            })
            .take(2)
            .copied()
            .collect();
        assert_eq!(liked.len(), 2, "{b}: the demo ranking repeats some artists");
        for id in &disliked {
            engine.rate(&ann, *id, Verdict::Dislike).await.unwrap();
        }
        for t in &liked {
            let song = engine.rate(&ann, t.info.id, Verdict::Like).await.unwrap();
            assert_eq!(song.id, t.info.id);
        }
        // Rating twice keeps one verdict; an unknown song is refused; another person is apart.
        engine
            .rate(&ann, disliked[0], Verdict::Dislike)
            .await
            .unwrap();
        assert!(matches!(
            engine.rate(&ann, 1, Verdict::Like).await,
            Err(RecommendError::UnknownSong)
        ));
        assert!(engine.taste(&bob).await.unwrap().is_empty(), "{b}");

        let taste = engine.taste(&ann).await.unwrap();
        assert_eq!(taste.disliked, disliked.iter().copied().collect(), "{b}");
        for t in &liked {
            assert!(t
                .info
                .artists
                .iter()
                .all(|a| taste.liked_artists.contains(a)));
        }
        assert_eq!(taste.liked_moods.len(), 2, "{b}");

        // The next replies: no disliked song on any page, of this mood or of its cheer-up.
        let after = whole_ranking(&engine, &mood, listener, &taste).await;
        let after_ids = ids(&after);
        for id in &disliked {
            assert!(!after_ids.contains(id), "{b}: a disliked song came back");
        }
        let cheer = engine
            .cheer_up_tasted(&mood, 10, 0, listener, &taste)
            .await
            .unwrap();
        assert!(cheer.tracks.iter().all(|t| !disliked.contains(&t.info.id)));
        // Songs of liked artists (other than the liked ones) come earlier than before.
        let liked_ids: HashSet<i64> = liked.iter().map(|t| t.info.id).collect();
        let position = |order: &[i64], id: i64| order.iter().position(|x| *x == id);
        let mut moved = 0;
        for t in all
            .iter()
            .filter(|t| !liked_ids.contains(&t.info.id) && taste.bonus(&t.info.artists) > 0.0)
        {
            let was = position(&before_ids, t.info.id).unwrap();
            if let Some(now) = position(&after_ids, t.info.id) {
                assert!(now <= was, "{b}: {} fell from {was} to {now}", t.info.name);
                moved += usize::from(now < was);
            }
        }
        assert!(moved > 0, "{b}: liked artists' songs moved up");
        // The first page is still sad songs.
        assert!(after[0].tracks.iter().all(|t| t.distance < 0.3), "{b}");
        // Someone else (or nobody) still gets the plain ranking.
        let bobs = engine.taste(&bob).await.unwrap();
        let plain_again = engine
            .recommend_tasted(&mood, 10, 0, listener, &bobs)
            .await
            .unwrap();
        assert_eq!(plain_again.tracks, before[0].tracks, "{b}");

        // History: moods newest first, liked songs, paged.
        engine
            .remember_mood(&ann, &mood, MoodSource::Text)
            .await
            .unwrap();
        let happy = engine.text_emotion("今天升职加薪了，太开心了").unwrap();
        engine
            .remember_mood(&ann, &happy, MoodSource::Photo)
            .await
            .unwrap();
        let h = engine.history(&ann, 0).await.unwrap();
        assert_eq!(
            (h.page, h.pages, h.moods.len(), h.liked.len()),
            (0, 1, 2, 2),
            "{b}"
        );
        assert_eq!(h.moods[0].source, MoodSource::Photo, "{b}: newest first");
        assert_eq!(h.moods[1].emotion.main_class(), mood.main_class());
        let h_ids: HashSet<i64> = h.liked.iter().map(|t| t.id).collect();
        assert_eq!(h_ids, liked_ids, "{b}");
        assert!(engine.history(&bob, 0).await.unwrap().moods.is_empty());
        for _ in 0..moodtune_core::engine::HISTORY_PAGE {
            engine
                .remember_mood(&ann, &mood, MoodSource::Cheer)
                .await
                .unwrap();
        }
        let h = engine.history(&ann, 5).await.unwrap();
        assert_eq!(
            (h.page, h.pages),
            (1, 2),
            "{b}: past the end is the last page"
        );
        assert_eq!(h.moods.len(), 2, "{b}");

        // Retention: a reopened engine keeping 0 days keeps nothing (and says memory is off).
        engine
            .remember_mood(&bob, &mood, MoodSource::Text)
            .await
            .unwrap();
        let kept = engine.prune_memory().await.unwrap();
        assert_eq!(
            (kept.moods, kept.ratings),
            (0, 0),
            "{b}: all within 90 days"
        );

        // /forget: everything about Ann, nothing about Bob.
        let gone = engine.forget(&ann).await.unwrap();
        assert_eq!((gone.moods, gone.ratings), (10, 5), "{b}");
        assert!(engine.taste(&ann).await.unwrap().is_empty(), "{b}");
        let h = engine.history(&ann, 0).await.unwrap();
        assert!(h.moods.is_empty() && h.liked.is_empty(), "{b}");
        assert_eq!(engine.history(&bob, 0).await.unwrap().moods.len(), 1, "{b}");
        drop(engine);

        let off = Engine::open(EngineConfig {
            load_demo: false,
            ..config(&db.url, 0)
        })
        .await
        .unwrap();
        assert!(matches!(
            off.history(&bob, 0).await,
            Err(RecommendError::MemoryOff)
        ));
        off.remember_mood(&bob, &mood, MoodSource::Text)
            .await
            .unwrap();
        let back_on = Engine::open(EngineConfig {
            load_demo: false,
            ..config(&db.url, 90)
        })
        .await
        .unwrap();
        assert!(
            back_on.history(&bob, 0).await.unwrap().moods.is_empty(),
            "{b}: memory off pruned Bob's mood and stored none"
        );
    }
}
