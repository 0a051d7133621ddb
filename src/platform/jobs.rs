//! Work that runs on after its request has answered (a large import), with its progress for a
//! page that refreshes itself. The kernel keeps the progress; the area that started the job
//! keeps the meaning of its outcome (`Job::outcome_as`).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A job's outcome: the area's own report, or a message for the person who started it.
pub type Outcome = Result<Arc<dyn Any + Send + Sync>, String>;

#[derive(Clone)]
pub struct Job {
    /// The community it works on and the account that started it (who alone may see it).
    pub community_id: i64,
    pub user_id: Option<i64>,
    pub total: usize,
    pub done: usize,
    pub outcome: Option<Outcome>,
    pub finished_at: Option<Instant>,
}

impl Job {
    pub fn new(community_id: i64, user_id: Option<i64>, total: usize) -> Job {
        Job {
            community_id,
            user_id,
            total,
            done: 0,
            outcome: None,
            finished_at: None,
        }
    }

    /// The outcome as the area's report type: `None` while it runs (or for another type).
    pub fn outcome_as<T: Clone + 'static>(&self) -> Option<Result<T, String>> {
        match self.outcome.as_ref()? {
            Ok(any) => any.downcast_ref::<T>().cloned().map(Ok),
            Err(message) => Some(Err(message.clone())),
        }
    }
}

/// The jobs of this process, by their random id.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, Job>>);

impl Jobs {
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get_mut(id) {
            f(job);
        }
    }

    pub fn get(&self, id: &str) -> Option<Job> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Adds a job, forgetting jobs that finished over an hour ago.
    pub fn insert(&self, id: String, job: Job) {
        let mut jobs = self.0.lock().unwrap_or_else(|e| e.into_inner());
        jobs.retain(|_, j| {
            j.finished_at
                .is_none_or(|t| t.elapsed() < Duration::from_secs(3600))
        });
        jobs.insert(id, job);
    }

    /// Records the end of a job: all done, and its outcome.
    pub fn finish(&self, id: &str, outcome: Outcome) {
        self.update(id, |j| {
            j.done = j.total;
            j.outcome = Some(outcome);
            j.finished_at = Some(Instant::now());
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_reports_its_outcome_in_the_areas_type() {
        let jobs = Jobs::default();
        jobs.insert("a".into(), Job::new(1, Some(7), 10));
        jobs.update("a", |j| j.done = 4);
        let j = jobs.get("a").unwrap();
        assert_eq!((j.done, j.total), (4, 10));
        assert!(j.outcome_as::<u32>().is_none(), "still running");
        jobs.finish("a", Ok(Arc::new(42u32)));
        let j = jobs.get("a").unwrap();
        assert_eq!(j.done, 10);
        assert_eq!(j.outcome_as::<u32>(), Some(Ok(42)));
        jobs.insert("b".into(), Job::new(1, None, 1));
        jobs.finish("b", Err("refused".into()));
        assert_eq!(
            jobs.get("b").unwrap().outcome_as::<u32>(),
            Some(Err("refused".into()))
        );
    }
}
