// libcurl, opened the first time nanoforge makes a request instead of at every start.
//
// Why: Debian's libcurl brings about twenty libraries with it (GnuTLS, Kerberos, LDAP, SSH,
// RTMP, IDN...), and binding their symbols cost 8 ms of every nanoforge start: 13.2 ms against
// 4.8 ms for the same program linked without libcurl. Most commands (instance, compose, status,
// verify) make no request at all, and `instance create` is run once per instance.
//
// How: nanoforge is not linked against libcurl. This file defines the libcurl functions the
// rest of nanoforge calls, with libcurl's own declarations; each resolves the real function
// from the installed libcurl (the SONAME found at configure time, NANOFORGE_LIBCURL_SONAME)
// on its first call and forwards to it. libcurl's ABI has kept that SONAME since 2006.
#define CURL_DISABLE_TYPECHECK  // the names below are functions, not curl.h's type-checking macros
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <string>

#include "base/error.h"

namespace {

void* libcurl() {
  // Thread-safe first use; a failed open throws and is tried again by the next call.
  static void* const library = [] {
    void* opened = dlopen(NANOFORGE_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!opened)
      throw nanoforge::Error(std::string("cannot load libcurl (") + NANOFORGE_LIBCURL_SONAME +
                             "), which every download and registry request needs: " + dlerror() +
                             "; install Debian's libcurl4");
    return opened;
  }();
  return library;
}

template <typename Function>
Function* real(const char* name) {
  void* address = dlsym(libcurl(), name);
  if (!address)
    throw nanoforge::Error(std::string(NANOFORGE_LIBCURL_SONAME) + " has no function " + name +
                           "; nanoforge needs libcurl 7.85 or newer");
  return reinterpret_cast<Function*>(address);
}

// The one argument after an option, read as the type libcurl itself reads it: the option
// number's range says long, object pointer, function pointer, curl_off_t or blob pointer.
template <typename Setter, typename Handle, typename Option>
auto forward_option(Setter* setter, Handle* handle, Option option, va_list arguments) {
  long number = option;
  if (number < CURLOPTTYPE_OBJECTPOINT) return setter(handle, option, va_arg(arguments, long));
  if (number < CURLOPTTYPE_FUNCTIONPOINT) return setter(handle, option, va_arg(arguments, void*));
  if (number < CURLOPTTYPE_OFF_T) return setter(handle, option, va_arg(arguments, void (*)()));
  if (number < CURLOPTTYPE_BLOB) return setter(handle, option, va_arg(arguments, curl_off_t));
  return setter(handle, option, va_arg(arguments, void*));
}

}  // namespace

// Each keeps the resolved address in a function-local static: resolved once, thread-safely.
#define NANOFORGE_REAL(name) static auto* const forward = real<decltype(name)>(#name)

extern "C" {

CURLcode curl_global_init(long flags) {
  NANOFORGE_REAL(curl_global_init);
  return forward(flags);
}

CURL* curl_easy_init(void) {
  NANOFORGE_REAL(curl_easy_init);
  return forward();
}

void curl_easy_cleanup(CURL* handle) {
  NANOFORGE_REAL(curl_easy_cleanup);
  forward(handle);
}

void curl_easy_reset(CURL* handle) {
  NANOFORGE_REAL(curl_easy_reset);
  forward(handle);
}

CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  NANOFORGE_REAL(curl_easy_setopt);
  va_list arguments;
  va_start(arguments, option);
  CURLcode result = forward_option(forward, handle, option, arguments);
  va_end(arguments);
  return result;
}

CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  NANOFORGE_REAL(curl_easy_getinfo);
  // Every CURLINFO takes a pointer to where the value goes.
  va_list arguments;
  va_start(arguments, info);
  void* destination = va_arg(arguments, void*);
  va_end(arguments);
  return forward(handle, info, destination);
}

CURLcode curl_easy_perform(CURL* handle) {
  NANOFORGE_REAL(curl_easy_perform);
  return forward(handle);
}

const char* curl_easy_strerror(CURLcode code) {
  NANOFORGE_REAL(curl_easy_strerror);
  return forward(code);
}

time_t curl_getdate(const char* text, const time_t* unused) {
  NANOFORGE_REAL(curl_getdate);
  return forward(text, unused);
}

char* curl_escape(const char* text, int length) {
  NANOFORGE_REAL(curl_escape);
  return forward(text, length);
}

void curl_free(void* pointer) {
  NANOFORGE_REAL(curl_free);
  forward(pointer);
}

struct curl_slist* curl_slist_append(struct curl_slist* list, const char* text) {
  NANOFORGE_REAL(curl_slist_append);
  return forward(list, text);
}

void curl_slist_free_all(struct curl_slist* list) {
  NANOFORGE_REAL(curl_slist_free_all);
  forward(list);
}

CURLM* curl_multi_init(void) {
  NANOFORGE_REAL(curl_multi_init);
  return forward();
}

CURLMcode curl_multi_cleanup(CURLM* multi) {
  NANOFORGE_REAL(curl_multi_cleanup);
  return forward(multi);
}

CURLMcode curl_multi_add_handle(CURLM* multi, CURL* handle) {
  NANOFORGE_REAL(curl_multi_add_handle);
  return forward(multi, handle);
}

CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* handle) {
  NANOFORGE_REAL(curl_multi_remove_handle);
  return forward(multi, handle);
}

CURLMcode curl_multi_setopt(CURLM* multi, CURLMoption option, ...) {
  NANOFORGE_REAL(curl_multi_setopt);
  va_list arguments;
  va_start(arguments, option);
  CURLMcode result = forward_option(forward, multi, option, arguments);
  va_end(arguments);
  return result;
}

CURLMcode curl_multi_perform(CURLM* multi, int* running) {
  NANOFORGE_REAL(curl_multi_perform);
  return forward(multi, running);
}

CURLMcode curl_multi_poll(CURLM* multi, struct curl_waitfd* extra, unsigned int count, int timeout_ms, int* ready) {
  NANOFORGE_REAL(curl_multi_poll);
  return forward(multi, extra, count, timeout_ms, ready);
}

CURLMsg* curl_multi_info_read(CURLM* multi, int* queued) {
  NANOFORGE_REAL(curl_multi_info_read);
  return forward(multi, queued);
}

const char* curl_multi_strerror(CURLMcode code) {
  NANOFORGE_REAL(curl_multi_strerror);
  return forward(code);
}

// The URL API (oci/url.cc): Location headers, token realms and mirror paths.
CURLU* curl_url(void) {
  NANOFORGE_REAL(curl_url);
  return forward();
}

void curl_url_cleanup(CURLU* url) {
  NANOFORGE_REAL(curl_url_cleanup);
  forward(url);
}

CURLUcode curl_url_set(CURLU* url, CURLUPart part, const char* content, unsigned int flags) {
  NANOFORGE_REAL(curl_url_set);
  return forward(url, part, content, flags);
}

CURLUcode curl_url_get(CURLU* url, CURLUPart part, char** content, unsigned int flags) {
  NANOFORGE_REAL(curl_url_get);
  return forward(url, part, content, flags);
}

const char* curl_url_strerror(CURLUcode code) {
  NANOFORGE_REAL(curl_url_strerror);
  return forward(code);
}

}  // extern "C"
