/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every vzctl verb shares: usage errors and the one-request verb.
 * Sits below the verbs (vzctl/cmd-*.c) and above client.c; it calls no
 * verb and nothing in main.c, so the verbs never call back up or into
 * each other.
 */
#ifndef VZCTL_CLI_H
#define VZCTL_CLI_H

#include "client.h"

/* Exit status of a usage error, as OpenVZ's vzctl. */
#define CLI_USAGE_EXIT 20

/* Print a usage error ("vzctl VERB: msg") and return exit status 20. */
int cmd_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one-line error for an option getopt refused (code ':' = value missing). */
int cmd_bad_option(const char *verb, int code, const char *arg);

/* Run a simple request and return its exit status. */
int cmd_simple(struct client *c, const char *op, struct vz_msg *args);

#endif
