/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vzctl verbs: each parses OpenVZ's options into one request to vzd. */
#ifndef VZCTL_CMDS_H
#define VZCTL_CMDS_H

#include "client.h"

/* argv[0] is the verb, argv[1] usually the CTID. Returns the exit status. */
typedef int (*cmd_fn)(struct client *c, int argc, char **argv);

int cmd_create(struct client *c, int argc, char **argv);
int cmd_start(struct client *c, int argc, char **argv);
int cmd_stop(struct client *c, int argc, char **argv);
int cmd_restart(struct client *c, int argc, char **argv);
int cmd_destroy(struct client *c, int argc, char **argv);
int cmd_status(struct client *c, int argc, char **argv);
int cmd_set(struct client *c, int argc, char **argv);
int cmd_exec(struct client *c, int argc, char **argv);
int cmd_enter(struct client *c, int argc, char **argv);
int cmd_template(struct client *c, int argc, char **argv);
int cmd_chkpnt(struct client *c, int argc, char **argv);
int cmd_suspend(struct client *c, int argc, char **argv);
int cmd_resume(struct client *c, int argc, char **argv);
int cmd_ubc(struct client *c, int argc, char **argv);

/* Print a usage error ("vzctl VERB: msg") and return exit status 20. */
int cmd_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one-line error for an option getopt refused (code ':' = value missing). */
int cmd_bad_option(const char *verb, int code, const char *arg);

/* Run a simple request and return its exit status. */
int cmd_simple(struct client *c, const char *op, struct vz_msg *args);

#endif
