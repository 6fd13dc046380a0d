//! The gate on random and mutated GraphQL text: it answers every input, never panics, and
//! what it admits stays within the limits it promises.

use std::time::{Duration, Instant};

use async_graphql::Request;
use proptest::{
    prelude::*,
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use tiltak::{config::Settings, graphql::gate::Gate};

/// Real queries and known attacks, to mutate.
fn seeds() -> Vec<String> {
    let mut bomb = String::from("{ ...F0 }\n");
    for level in 0..10 {
        bomb.push_str(&format!(
            "fragment F{level} on Query {{ {} }}\n",
            format!("...F{} ", level + 1).repeat(6)
        ));
    }
    bomb.push_str("fragment F10 on Query { __typename }\n");
    vec![
        "{ plans(first: 10) { id title chapters { number actions { number title status deadline } } } }".into(),
        "query($id: ID!) { action(id: $id) { number history(first: 5, after: \"1\") { at kind from to } } }".into(),
        "mutation($a: ID!) { c1: commentAction(actionId: $a, comment: \"x\") { kind } ... on Mutation { c2: commentAction(actionId: $a, comment: \"\"\"y\"\"\") { kind } } }".into(),
        "query Q($v: [[Int]] = [[1, 2], [3]]) @skip(if: false) { ...A } fragment A on Query { me { id @include(if: true) } }".into(),
        "subscription($p: ID!) { actionEvents(planId: $p) { kind } }".into(),
        "{ __schema { types { name fields { name type { ofType { ofType { name } } } } } } } # comment {{{".into(),
        bomb,
    ]
}

/// A seed with a few random edits: inserted punctuation, repeated or removed slices, or
/// random text.
fn mutated() -> impl Strategy<Value = String> {
    let seeds = seeds();
    let edit = prop_oneof![
        (
            any::<usize>(),
            prop::sample::select(vec![
                "{", "}", "[", "]", "(", ")", "\"", "\"\"\"", "#", "...", "$", "@", ":", "\n", "\\"
            ])
        )
            .prop_map(|(at, s)| (0, at, 0, s.to_owned())),
        (any::<usize>(), any::<usize>(), 1..50usize).prop_map(|(at, len, times)| (1, at, len, times.to_string())),
        (any::<usize>(), any::<usize>()).prop_map(|(at, len)| (2, at, len, String::new())),
        (any::<usize>(), ".{0,40}").prop_map(|(at, s)| (0, at, 0, s)),
    ];
    (prop::sample::select(seeds), prop::collection::vec(edit, 1..8)).prop_map(|(seed, edits)| {
        let mut text: Vec<char> = seed.chars().collect();
        for (kind, at, len, arg) in edits {
            let at = if text.is_empty() { 0 } else { at % (text.len() + 1) };
            let len = len % 200;
            let end = (at + len).min(text.len());
            match kind {
                0 => text.splice(at..at, arg.chars()).for_each(drop),
                1 => {
                    let slice: Vec<char> = text[at..end].to_vec();
                    let times: usize = arg.parse().unwrap_or(1);
                    for _ in 0..times {
                        text.splice(at..at, slice.iter().copied()).for_each(drop);
                    }
                }
                _ => text.drain(at..end).for_each(drop),
            }
        }
        text.into_iter().collect()
    })
}

#[test]
fn the_gate_answers_every_input_within_its_limits() {
    let settings = Settings::defaults().graphql;
    let gate = Gate::new(&settings);
    let deadline = Instant::now() + Duration::from_secs(crate::fuzz_seconds());
    let seed: u64 = std::env::var("TILTAK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("fuzzing the gate; repeat with TILTAK_FUZZ_SEED={seed}");
    let mut batches = 0_u64;
    while batches == 0 || Instant::now() < deadline {
        // A fresh runner per batch: a runner counts its successes and stops at `cases`.
        let mut rng_seed = [0u8; 32];
        rng_seed[..8].copy_from_slice(&seed.to_le_bytes());
        rng_seed[8..16].copy_from_slice(&batches.to_le_bytes());
        let config = Config {
            cases: 200,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &rng_seed));
        runner
            .run(&mutated(), |text| {
                if let Ok(admitted) = gate.check(&mut Request::new(text.clone())) {
                    prop_assert!(text.len() <= settings.max_query_bytes);
                    prop_assert!(admitted.fields <= settings.max_fields as u64);
                    prop_assert!(admitted.cost <= settings.max_complexity as u64);
                    prop_assert!(admitted.aliases <= settings.max_aliases as u64);
                }
                Ok(())
            })
            .unwrap();
        batches += 1;
    }
    eprintln!("gate: {} mutated queries checked", batches * 200);
}
