//! Work spread over the machine's cores for the start-up phases that touch every case (reading
//! case files, hashing the case set), before any request is sent. Results keep the items'
//! order, so what a run reports does not depend on how many threads did the work.

/// Threads used at most.
const MAX_THREADS: usize = 4;

/// `work` applied to every item, on up to `MAX_THREADS` threads (one per core, each with at
/// least `min_per_thread` items), the results in item order.
pub fn map_in_order<T, R, F>(items: &[T], min_per_thread: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = (items.len() / min_per_thread.max(1)).clamp(1, cores.min(MAX_THREADS));
    if threads == 1 {
        return items.iter().map(&work).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let work = &work;
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let worker = std::thread::Builder::new()
                    .name("cmsconform-parallel".into())
                    .spawn_scoped(scope, move || part.iter().map(work).collect::<Vec<R>>());
                (part, worker.ok())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|(part, worker)| match worker {
                // `work` returns failures as values; a panic there is a bug, passed on as one.
                Some(worker) => worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had (a process or container limit): this thread does it.
                None => part.iter().map(work).collect(),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_split() {
        let items: Vec<u32> = (0..1001).collect();
        for min_per_thread in [1, 7, 100, 2000] {
            let doubled = map_in_order(&items, min_per_thread, |i| i * 2);
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
        assert!(map_in_order(&[] as &[u32], 1, |i| *i).is_empty());
    }
}
