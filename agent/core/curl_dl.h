/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libcurl, loaded at run time on first use. Linking it pulls some thirty
 * shared libraries into every `perfagent` start (about 3.5 ms measured,
 * bench/README.md), while only the IMDS query needs it.
 */
#ifndef PA_CURL_DL_H
#define PA_CURL_DL_H

#include <stddef.h>

#include <curl/curl.h>

struct curl_api {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/*
 * Loads libcurl and runs curl_global_init once (thread-safe). Returns the
 * API, or NULL with a sentence in err (library missing, symbol missing,
 * global init failed).
 */
const struct curl_api *curl_dl_load(char *err, size_t errsz);

#endif
