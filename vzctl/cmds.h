/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vzctl verbs: each parses OpenVZ's options into one request to vzd.
 * main.c dispatches to them; what they share is in cli.h, below them.
 */
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
int cmd_mount(struct client *c, int argc, char **argv);
int cmd_umount(struct client *c, int argc, char **argv);
int cmd_status(struct client *c, int argc, char **argv);
int cmd_set(struct client *c, int argc, char **argv);
int cmd_exec(struct client *c, int argc, char **argv);
int cmd_enter(struct client *c, int argc, char **argv);
int cmd_console(struct client *c, int argc, char **argv);
int cmd_runscript(struct client *c, int argc, char **argv);
int cmd_template(struct client *c, int argc, char **argv);
int cmd_chkpnt(struct client *c, int argc, char **argv);
int cmd_restore(struct client *c, int argc, char **argv);
int cmd_suspend(struct client *c, int argc, char **argv);
int cmd_resume(struct client *c, int argc, char **argv);
int cmd_ubc(struct client *c, int argc, char **argv);
int cmd_migrate(struct client *c, int argc, char **argv);
int cmd_migrate_receive(struct client *c, int argc, char **argv);
/* vzmigrate ARGS: argv[0] is "vzmigrate". */
int cmd_vzmigrate(struct client *c, int argc, char **argv);

#endif
