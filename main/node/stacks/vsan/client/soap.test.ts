import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CwError } from '../../../../common/errors.js';
import { VsphereClient } from './client.js';
import { SoapTransport, faultCode } from './soap.js';

// A stand-in vCenter on loopback: enough of /sdk to log in and fault, and /vsanHealth to see the cookie.
let server: https.Server;
let port = 0;
let fingerprint = '';
let certDir = '';
const seen: { path: string; body: string; cookie?: string }[] = [];
const PASSWORD = 'S3cret-pass<&>';
let expireSession = false;
let logins = 0;

const envelope = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;

beforeAll(() => {
  const dir = (certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-vsan-soap-')));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`, '-days', '1', '-subj', '/CN=vcenter.test'], { stdio: 'ignore' });
  const cert = fs.readFileSync(`${dir}/c.pem`);
  fingerprint = new crypto.X509Certificate(cert).fingerprint256;
  server = https.createServer({ key: fs.readFileSync(`${dir}/k.pem`), cert }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body, cookie: req.headers.cookie });
      res.setHeader('content-type', 'text/xml');
      if (req.method === 'GET' && req.url === '/sdk/vimServiceVersions.xml') return res.end('<namespaces><namespace><name>urn:vim25</name><version>7.0.3.0</version></namespace></namespaces>');
      if (req.method === 'GET' && req.url === '/sdk/vsanServiceVersions.xml') return res.end('<namespaces><namespace><name>urn:vsan</name><version>7.0.3</version></namespace></namespaces>');
      if (body.includes('<RetrieveServiceContent')) {
        return res.end(
          envelope(
            '<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><about><fullName>VMware vCenter Server 7.0.3</fullName><apiType>VirtualCenter</apiType><apiVersion>7.0.3.0</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager></returnval></RetrieveServiceContentResponse>',
          ),
        );
      }
      if (expireSession && !body.includes('<Login')) {
        expireSession = false;
        res.statusCode = 500;
        return res.end(envelope('<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>'));
      }
      if (body.includes('<Login')) {
        logins++;
        res.setHeader('set-cookie', `vmware_soap_session="session-cookie-value${logins > 1 ? `-${logins}` : ''}"; Path=/; HttpOnly; Secure;`);
        return res.end(envelope('<LoginResponse xmlns="urn:vim25"><returnval><key>k</key></returnval></LoginResponse>'));
      }
      if (body.includes('<CreateClusterEx')) {
        // A fault that echoes the password back: it must come out masked.
        res.statusCode = 500;
        return res.end(envelope(`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>A specified parameter was not correct: ${PASSWORD.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</faultstring><detail><InvalidArgumentFault xsi:type="InvalidArgument"><invalidProperty>name</invalidProperty></InvalidArgumentFault></detail></soapenv:Fault>`));
      }
      if (body.includes('<VSANVcIsWitnessHost')) return res.end(envelope('<VSANVcIsWitnessHostResponse xmlns="urn:vsan"><returnval>true</returnval></VSANVcIsWitnessHostResponse>'));
      res.statusCode = 500;
      res.end(envelope('<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>no</faultstring></soapenv:Fault>'));
    });
  });
  return new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve();
    }),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(certDir, { recursive: true, force: true });
});

describe('the vCenter SOAP transport', () => {
  it('sends nothing to a vCenter whose certificate is not pinned, and reports the fingerprint to confirm', async () => {
    const before = seen.length;
    const err = await VsphereClient.connect({ endpoint: { host: '127.0.0.1', port }, username: 'administrator@vsphere.local', password: PASSWORD }).catch((e: CwError) => e);
    expect(err).toBeInstanceOf(CwError);
    expect((err as CwError).code).toBe('HOST_KEY_UNKNOWN');
    expect((err as CwError).detail).toMatchObject({ fingerprint });
    const changed = await VsphereClient.connect({ endpoint: { host: '127.0.0.1', port, thumbprint: '01:'.repeat(31) + '01' }, username: 'u', password: PASSWORD }).catch((e: CwError) => e);
    expect((changed as CwError).code).toBe('HOST_KEY_CHANGED');
    expect((changed as CwError).message).toMatch(/Nothing was sent/);
    expect(seen.length).toBe(before);
  });

  it('logs in on /sdk and carries the session cookie to /vsanHealth with the vSAN namespace and version', async () => {
    const client = await VsphereClient.connect({ endpoint: { host: '127.0.0.1', port, thumbprint: fingerprint.toLowerCase() }, username: 'administrator@vsphere.local', password: () => PASSWORD });
    expect(client.vimVersion).toBe('7.0.3.0');
    const login = seen.find((s) => s.body.includes('<Login'))!;
    expect(login.body).toContain('<password>S3cret-pass&lt;&amp;&gt;</password>');
    expect(await client.isWitnessHost({ type: 'HostSystem', value: 'host-9' })).toBe(true);
    const vsan = seen.at(-1)!;
    expect(vsan.path).toBe('/vsanHealth');
    expect(vsan.cookie).toBe('vmware_soap_session="session-cookie-value"');
    expect(vsan.body).toContain('<VSANVcIsWitnessHost xmlns="urn:vsan"><_this type="VimClusterVsanVcStretchedClusterSystem">vsan-stretched-cluster-system</_this><host type="HostSystem">host-9</host>');

    const fault = await client.createCluster({ type: 'Folder', value: 'group-h1' }, 'c').catch((e: CwError) => e);
    expect((fault as CwError).code).toBe('INVALID_INPUT');
    expect((fault as CwError).detail).toMatchObject({ method: 'CreateClusterEx', fault: { type: 'InvalidArgument', fields: { invalidProperty: 'name' } } });
    expect((fault as CwError).message).toContain('***');
    expect((fault as CwError).message).not.toContain(PASSWORD);
    expect(client.transport.calls.map((c) => c.method)).toEqual(['RetrieveServiceContent', 'Login', 'VSANVcIsWitnessHost', 'CreateClusterEx']);

    // vCenter dropped the session (idle timeout): the client logs in again once and repeats the call.
    expireSession = true;
    expect(await client.isWitnessHost({ type: 'HostSystem', value: 'host-9' })).toBe(true);
    expect(client.transport.calls.slice(4).map((c) => `${c.method}:${c.ok}`)).toEqual(['VSANVcIsWitnessHost:false', 'Login:true', 'VSANVcIsWitnessHost:true']);
    expect(seen.at(-1)!.cookie).toBe('vmware_soap_session="session-cookie-value-2"');
  });

  it('maps vmodl faults to codes the UI acts on', () => {
    expect(faultCode('InvalidLogin')).toBe('AUTH_FAILED');
    expect(faultCode('NoPermission')).toBe('FORBIDDEN');
    expect(faultCode('ManagedObjectNotFound')).toBe('NOT_FOUND');
    expect(faultCode('DuplicateName')).toBe('CONFLICT');
    expect(faultCode('SSLVerifyFault')).toBe('HOST_KEY_UNKNOWN');
    expect(faultCode('VsanFault')).toBe('REMOTE_FAILED');
  });

  it('names the address when vCenter cannot be reached', async () => {
    const closed = net0();
    const t = new SoapTransport({ host: '127.0.0.1', port: closed, thumbprint: fingerprint }, { timeoutMs: 2000 });
    const err = await t.getDocument('/sdk/vimServiceVersions.xml').catch((e: CwError) => e);
    expect((err as CwError).code).toBe('UNREACHABLE');
    expect((err as CwError).message).toMatch(new RegExp(`Cannot reach vCenter at 127\\.0\\.0\\.1:${closed}`));
    await t.close();
  });
});

/** A loopback port nothing listens on (bound, then released). */
function net0(): number {
  const s = execFileSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString();
  return Number(s.trim());
}
