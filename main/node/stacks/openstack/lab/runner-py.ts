// The Python half of the OpenStack lab services: one script, written into the lab's work folder and run
// with /usr/bin/python3 (Debian's interpreter, which can import keystone, nova, neutron and glance).
// Every subcommand reads its settings (secrets included) as JSON on stdin, never from argv, and ties its
// life to the Node process that started it (PR_SET_PDEATHSIG), so a crashed test leaves nothing running.

export const runnerFileName = 'cw_openstack_lab.py';

export const runnerPython = String.raw`#!/usr/bin/python3
# Clusterwright OpenStack lab runner (generated; see main/node/stacks/openstack/lab/runner-py.ts).
import ctypes
import json
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
T0 = time.time()


def die_with_parent():
    """SIGTERM when the process that started us goes away (kept across execv)."""
    ctypes.CDLL('libc.so.6', use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:
        os._exit(3)


def exit_on_term():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def ready(**values):
    values['ready'] = True
    values['seconds'] = round(time.time() - T0, 3)
    sys.stdout.write('CW-READY ' + json.dumps(values) + '\n')
    sys.stdout.flush()


def keystone_setup(cfg):
    """db_sync, WAL, fernet and credential keys, bootstrap: one interpreter instead of four keystone-manage runs."""
    import sqlite3
    from keystone.cmd import cli

    def manage(*args):
        try:
            cli.main(developer_config_file=None, argv=['keystone-manage', '--config-file', cfg['configFile'], *args])
        finally:
            cli.CONF.clear()
            cli.CONF.unregister_opt(cli.command_opt)

    manage('db_sync')
    db = sqlite3.connect(cfg['databaseFile'])
    mode = db.execute('PRAGMA journal_mode=WAL').fetchone()[0]
    db.close()
    if mode != 'wal':
        raise SystemExit('SQLite refused WAL mode for %s (got %s)' % (cfg['databaseFile'], mode))
    owner = ['--keystone-user', cfg['user'], '--keystone-group', cfg['group']]
    manage('fernet_setup', *owner)
    manage('credential_setup', *owner)
    manage('bootstrap', '--bootstrap-password', cfg['adminPassword'],
           '--bootstrap-username', cfg['adminUser'], '--bootstrap-project-name', cfg['adminProject'],
           '--bootstrap-region-id', cfg['region'],
           '--bootstrap-admin-url', cfg['url'], '--bootstrap-internal-url', cfg['url'], '--bootstrap-public-url', cfg['url'])
    ready(journalMode=mode)


def run_exec(cfg):
    """Replaces this process with argv (used for uwsgi), keeping the parent-death signal."""
    os.execv(cfg['argv'][0], cfg['argv'])


def nova_region(cfg):
    """Real nova-api, conductor, scheduler, placement and fake-driver computes in one process (nova's functional fixtures)."""
    exit_on_term()
    import io
    import logging
    from nova import test
    from nova.conf import CONF
    from nova.compute import task_states
    from nova.virt import fake
    from nova.tests import fixtures as nova_fixtures
    from nova.tests.functional import fixtures as func_fixtures
    import eventlet
    import eventlet.wsgi

    CONF.set_default('state_path', cfg['workDir'])

    class LabDriver(fake.MediumFakeDriver):
        """The fake hypervisor with two things a real one has: a snapshot uploads a small disk image to the image
        service, and a live migration takes a while (liveMigrationSeconds) and can be aborted or forced."""

        def __init__(self, virtapi, read_only=False):
            super().__init__(virtapi, read_only)
            self._live = {}

        def snapshot(self, context, instance, image_id, update_task_state):
            super().snapshot(context, instance, image_id, update_task_state)
            from nova.image import glance
            disk = (b'clusterwright fake disk of ' + instance.uuid.encode() + b'\n') * 64
            glance.API().update(context, image_id, {'disk_format': 'raw', 'container_format': 'bare'}, data=io.BytesIO(disk))

        def live_migration(self, context, instance, dest, post_method, recover_method, block_migration=False, migrate_data=None):
            self._live[instance.uuid] = None
            deadline = time.time() + float(cfg.get('liveMigrationSeconds', 0))
            while self._live.get(instance.uuid) is None and time.time() < deadline:
                eventlet.sleep(0.1)
            if self._live.pop(instance.uuid, None) == 'abort':
                recover_method(context, instance, dest, migrate_data, migration_status='cancelled')
            else:
                post_method(context, instance, dest, block_migration, migrate_data)

        def live_migration_force_complete(self, instance):
            if instance.uuid in self._live:
                self._live[instance.uuid] = 'complete'

        def live_migration_abort(self, instance):
            if instance.uuid in self._live:
                self._live[instance.uuid] = 'abort'

    fake.CwLabDriver = LabDriver

    class Region(test.TestCase):
        def runTest(self):
            pass

        def setUp(self):
            self.flags(compute_driver='fake.CwLabDriver')
            super().setUp()
            self.useFixture(nova_fixtures.RealPolicyFixture())
            self.useFixture(nova_fixtures.NeutronFixture(self))
            if cfg.get('glanceUrl'):
                self.flags(api_servers=[cfg['glanceUrl']], group='glance')
            else:
                self.useFixture(nova_fixtures.GlanceFixture(self))
            self.placement_fixture = self.useFixture(func_fixtures.PlacementFixture())
            self.useFixture(nova_fixtures.AllServicesCurrent())
            self.useFixture(nova_fixtures.NotificationFixture(self))
            self.start_service('conductor')
            self.start_service('scheduler')
            for host in cfg['computeHosts']:
                self._start_compute(host)
            self.flags(auth_strategy='keystone', group='api')

    region = Region()
    region.setUp()
    handler = logging.FileHandler(os.path.join(cfg['workDir'], 'nova.log'))
    handler.setFormatter(logging.Formatter('%(asctime)s %(levelname)s %(name)s %(message)s'))
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)

    from nova.api import wsgi as nova_wsgi
    compute_app = nova_wsgi.Loader(cfg['pasteFile']).load_app('osapi_compute')

    # Placement over HTTP for clients: the same placement app the computes use, behind real Keystone auth.
    from keystonemiddleware import auth_token
    from placement import auth as placement_auth
    from placement import deploy as placement_deploy
    pconf = region.placement_fixture.conf_fixture.conf
    authtoken = dict(cfg['authtoken'])
    real_filter_factory = placement_auth.filter_factory
    placement_auth.filter_factory = lambda *_a, **_k: (lambda app: auth_token.AuthProtocol(app, authtoken))
    pconf.set_override('auth_strategy', 'keystone', group='api')
    try:
        placement_app = placement_deploy.deploy(pconf)
    finally:
        pconf.clear_override('auth_strategy', group='api')
        placement_auth.filter_factory = real_filter_factory

    # reuse_port=False: eventlet's default SO_REUSEPORT would let a second server share the port silently.
    compute_sock = eventlet.listen(('127.0.0.1', cfg.get('computePort', 0)), reuse_port=False)
    placement_sock = eventlet.listen(('127.0.0.1', cfg.get('placementPort', 0)), reuse_port=False)
    if cfg.get('maxSeconds'):
        eventlet.spawn_after(cfg['maxSeconds'], os._exit, 0)
    eventlet.spawn(eventlet.wsgi.server, placement_sock, placement_app, log=logging.getLogger('placement.wsgi'), log_output=False)
    ready(computePort=compute_sock.getsockname()[1], placementPort=placement_sock.getsockname()[1],
          computeHosts=cfg['computeHosts'], pid=os.getpid())
    eventlet.wsgi.server(compute_sock, compute_app, log=logging.getLogger('nova.wsgi'), log_output=False)


def neutron_schema(cfg):
    """Neutron's tables from its models: its alembic migrations ALTER constraints, which SQLite cannot."""
    import sqlalchemy as sa
    from neutron.db.migration.models import head
    import neutron_vpnaas.db.models.head  # noqa: F401  (registers the VPNaaS tables)
    engine = sa.create_engine('sqlite:///' + cfg['databaseFile'])
    with engine.connect() as conn:
        mode = conn.exec_driver_sql('PRAGMA journal_mode=WAL').scalar()
    head.get_metadata().create_all(engine)
    ready(tables=len(head.get_metadata().tables), journalMode=mode)


def neutron_server(cfg):
    exit_on_term()
    from neutron.cmd.eventlet.server import main
    sys.argv = ['neutron-server', '--config-file', cfg['configFile']]
    main()


def glance_db_sync(cfg):
    import sqlite3
    from glance.cmd.manage import main
    sys.argv = ['glance-manage', '--config-file', cfg['configFile'], 'db_sync']
    try:
        main()
    except SystemExit as done:
        if done.code not in (None, 0):
            raise
    db = sqlite3.connect(cfg['databaseFile'])
    mode = db.execute('PRAGMA journal_mode=WAL').fetchone()[0]
    db.close()
    ready(journalMode=mode)


def glance_api(cfg):
    exit_on_term()
    from glance.cmd.api import main
    sys.argv = ['glance-api', '--config-file', cfg['configFile']]
    main()


COMMANDS = {
    'keystone-setup': keystone_setup,
    'exec': run_exec,
    'nova-region': nova_region,
    'neutron-schema': neutron_schema,
    'neutron-server': neutron_server,
    'glance-db-sync': glance_db_sync,
    'glance-api': glance_api,
}

if __name__ == '__main__':
    die_with_parent()
    command = COMMANDS.get(sys.argv[1] if len(sys.argv) > 1 else '')
    if command is None:
        raise SystemExit('usage: %s {%s} < settings.json' % (sys.argv[0], '|'.join(COMMANDS)))
    command(json.loads(sys.stdin.read() or '{}'))
`;
