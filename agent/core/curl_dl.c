// SPDX-License-Identifier: GPL-2.0-only
/* libcurl, loaded at run time on first use (see curl_dl.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/curl_dl.h"

/* Debian and Ubuntu also ship the same ABI built against GnuTLS. */
static const char *const curl_sonames[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static struct curl_api curl_api;
static const struct curl_api *curl_loaded;
static char curl_error[256];

static void *sym(void *lib, const char *name)
{
	void *p = dlsym(lib, name);

	if (!p && !curl_error[0])
		snprintf(curl_error, sizeof(curl_error), "libcurl has no %s", name);
	return p;
}

static void curl_load(void)
{
	CURLcode (*global_init)(long flags);
	void *lib = NULL;

	for (size_t i = 0; !lib && i < sizeof(curl_sonames) / sizeof(curl_sonames[0]); i++)
		lib = dlopen(curl_sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(curl_error, sizeof(curl_error), "cannot load libcurl.so.4 (install the "
			 "libcurl4 package): %s", dlerror());
		return;
	}
	global_init = sym(lib, "curl_global_init");
	curl_api.easy_init = sym(lib, "curl_easy_init");
	curl_api.easy_setopt = sym(lib, "curl_easy_setopt");
	curl_api.easy_perform = sym(lib, "curl_easy_perform");
	curl_api.easy_getinfo = sym(lib, "curl_easy_getinfo");
	curl_api.easy_cleanup = sym(lib, "curl_easy_cleanup");
	curl_api.easy_strerror = sym(lib, "curl_easy_strerror");
	curl_api.slist_append = sym(lib, "curl_slist_append");
	curl_api.slist_free_all = sym(lib, "curl_slist_free_all");
	if (curl_error[0])
		return;
	if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(curl_error, sizeof(curl_error), "libcurl failed to initialise");
		return;
	}
	/* The library stays loaded for the life of the process. */
	curl_loaded = &curl_api;
}

const struct curl_api *curl_dl_load(char *err, size_t errsz)
{
	pthread_once(&curl_once, curl_load);
	if (!curl_loaded && err && errsz)
		snprintf(err, errsz, "%s", curl_error);
	return curl_loaded;
}
