//! The HTTP client: reqwest with rustls, auth-v2 signing, deadlines, a response size cap, no
//! redirects. (Built in the run issue.)
